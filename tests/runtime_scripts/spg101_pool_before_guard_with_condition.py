# SPG101 before a guard with an extra condition (`__name__ == "__main__" and …`). Moved into
# that guard, the Pool would run only with arguments; the fix gives it a plain guard of its
# own, placed where it stands. Run without arguments, only the squares are printed.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 1, 4]
# fix: SPG101
import multiprocessing as mp
import sys


def sq(x):
    return x * x


with mp.Pool(2) as p:
    print(p.map(sq, range(3)))

if __name__ == "__main__" and len(sys.argv) > 1:
    print("verbose run")
