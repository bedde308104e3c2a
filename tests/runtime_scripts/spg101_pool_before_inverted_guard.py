# SPG101 before an inverted guard (`if __name__ != "__main__": … else: …`). The fix moves
# the Pool to the start of its else branch, so it still runs before "main part" (a second
# guard after this one would reverse the output).
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 1, 4]
# stdout: main part
# fix: SPG101
import multiprocessing as mp


def sq(x):
    return x * x


with mp.Pool(2) as p:
    print(p.map(sq, range(3)))

if __name__ != "__main__":
    pass
else:
    print("main part")
