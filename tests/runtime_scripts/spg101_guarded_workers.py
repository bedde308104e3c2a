# SPG101 negative: the same worker starts (Process, Pool, ProcessPoolExecutor) under a correct
# main guard run fine under every start method.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: process=285
# stdout: pool=[0, 1, 4, 9, 16]
# stdout: executor=27
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor


def sum_of_squares(n, results):
    results.put(sum(i * i for i in range(n)))


def square(x):
    return x * x


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=sum_of_squares, args=(10, results))
    worker.start()
    print(f"process={results.get()}")
    worker.join()
    with mp.Pool(2) as pool:
        print(f"pool={pool.map(square, range(5))}")
    with ProcessPoolExecutor(max_workers=1) as executor:
        print(f"executor={executor.submit(pow, 3, 3).result()}")
