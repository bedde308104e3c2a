# SPG101 negative: `main() if __name__ == "__main__" else None` calls main() only in the script
# run by the user; a spawn child evaluates the condition to False and skips the call.
# expect: none
# spawn: ok
# fork: ok
# stdout: squares=[0, 1, 4]
import multiprocessing as mp


def square(x):
    return x * x


def main():
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(3))}")


main() if __name__ == "__main__" else None
