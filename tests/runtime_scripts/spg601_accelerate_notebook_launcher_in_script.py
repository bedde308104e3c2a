# SPG601 (accelerate): `notebook_launcher(train, num_processes=2)` in a script, unguarded. On
# CPU (and CUDA, MPS) accelerate starts its processes with fork, whatever the default: nothing
# is re-imported, so it runs here under spawn and fork alike. On Windows there is no fork.
# Information only.
# expect: SPG601
# spawn: ok
# fork: ok
# stdout: Launching training on 2 CPUs.
# stdout: rank 0 got 3
# stdout: launched
# requires: accelerate
# timeout: 120
import os

from accelerate import notebook_launcher


def train(scale):
    if os.environ["RANK"] == "0":
        print(f"rank 0 got {scale}", flush=True)


notebook_launcher(train, args=(3,), num_processes=2)
print("launched")
