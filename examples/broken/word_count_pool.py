"""Count the most common words of some documents with a process pool.

Breaks under every start method, because the script asks for spawn itself:
- `set_start_method("spawn")` runs again in every worker, which dies with "context has already
  been set" (SPG102);
- the bare `main()` call starts the Pool while the script is imported, so each worker would
  start its own Pool while still bootstrapping (SPG101);
- `count_words` is a nested function, which Pool.map cannot pickle (SPG201).
"""

import multiprocessing as mp
from collections import Counter

mp.set_start_method("spawn")

DOCUMENTS = (
    "the cat sat on the mat",
    "the dog sat on the cat",
    "a cat and a dog and a bird",
    "the bird sang to the cat",
)


def main():
    stop_words = {"the", "a", "and", "on", "to"}

    def count_words(text):
        return Counter(word for word in text.split() if word not in stop_words)

    with mp.Pool(2) as pool:
        totals = sum(pool.map(count_words, DOCUMENTS), Counter())
    for word, count in totals.most_common(3):
        print(f"{word}: {count}")


main()
