# SPG101: a Manager at module level, then `d["a"] = 1` on its dict. The item assignment
# mutates the proxy (it defines no name), so it moves under the guard with the Manager.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: {'a': 1}
# fix: SPG101
from multiprocessing import Manager

m = Manager()
d = m.dict()
d["a"] = 1
print(dict(d))
m.shutdown()
