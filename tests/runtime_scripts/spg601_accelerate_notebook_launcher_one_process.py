# SPG601 (accelerate, no fork): `notebook_launcher(train, num_processes=1)` runs the function
# in this process; nothing starts, nothing to report.
# expect: none
# spawn: ok
# fork: ok
# stdout: Launching training on CPU.
# stdout: trained with 3
# requires: accelerate
import accelerate


def train(scale):
    print(f"trained with {scale}")


accelerate.notebook_launcher(train, args=(3,), num_processes=1)
