"""Progress output: one updating line per epoch on a terminal, one plain line per epoch in a log."""
import sys
import time


class EpochProgress:
    """Prints training progress to ``stream``.

    On a terminal the line of the running epoch is rewritten after every batch and kept when the
    epoch ends; anywhere else (a pipe, a log file, CI) only the finished epoch's line is written,
    so logs hold no progress-bar debris.
    """

    def __init__(self, epochs: int, batches: int, stream=None):
        self.epochs, self.batches = epochs, batches
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.start = time.perf_counter()
        self.width = 0

    def batch(self, epoch: int, index: int, loss: float) -> None:
        """Batch ``index`` (0-based) of ``epoch`` (1-based) is done with this loss."""
        if self.live:
            self._write(f"\repoch {epoch}/{self.epochs}  batch {index + 1}/{self.batches}  "
                        f"loss {loss:.4f}")

    def epoch(self, epoch: int, loss: float, metric: str) -> None:
        """``epoch`` is done: its mean loss and a metric text such as "test IoU 0.912"."""
        line = (f"epoch {epoch}/{self.epochs}  loss {loss:.4f}  {metric}  "
                f"{time.perf_counter() - self.start:5.1f} s")
        if self.live:
            self._write("\r" + line.ljust(self.width) + "\n")
            self.width = 0
        else:
            print(line, file=self.stream, flush=True)

    def _write(self, text: str) -> None:
        self.width = max(self.width, len(text) - 1)
        self.stream.write(text)
        self.stream.flush()
