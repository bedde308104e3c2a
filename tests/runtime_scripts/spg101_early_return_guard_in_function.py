# SPG101 negative: `main()` is called bare at module level, so it runs again in every spawn
# child, but its first statement returns there (`__name__` is "__mp_main__" in the child):
# the Pool below the early return is created only in the parent.
# expect: none
# spawn: ok
# fork: ok
# stdout: squares=[0, 1, 4, 9]
import multiprocessing as mp


def square(x):
    return x * x


def main():
    if __name__ != "__main__":
        return
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(4))}")


main()
