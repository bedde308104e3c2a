"""Count the most common words of some documents with a process pool.

The same job as `examples/broken/word_count_pool.py`, written so that it runs under spawn:
`count_words` is a module-level function (workers import it by name), and both the start
method and the Pool are set up under `if __name__ == "__main__":`, which a worker re-importing
this file skips.
"""

import multiprocessing as mp
from collections import Counter

DOCUMENTS = (
    "the cat sat on the mat",
    "the dog sat on the cat",
    "a cat and a dog and a bird",
    "the bird sang to the cat",
)
STOP_WORDS = {"the", "a", "and", "on", "to"}


def count_words(text):
    return Counter(word for word in text.split() if word not in STOP_WORDS)


def main():
    with mp.Pool(2) as pool:
        totals = sum(pool.map(count_words, DOCUMENTS), Counter())
    for word, count in totals.most_common(3):
        print(f"{word}: {count}")


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
