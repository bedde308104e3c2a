# SPG201: a nested function as Pool.map's func. Pool tasks are pickled under every start method,
# fork included: "Can't pickle local object 'main.<locals>.double'".
# expect: SPG201
# spawn: pickling
# fork: pickling
# fix: SPG201
# fixed-stdout: doubled=[0, 2, 4, 6, 8]
import multiprocessing as mp


def main():
    def double(x):
        return 2 * x

    with mp.Pool(2) as pool:
        print(f"doubled={pool.map(double, range(5))}")


if __name__ == "__main__":
    main()
