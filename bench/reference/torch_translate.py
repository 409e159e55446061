"""Time the reference generator alone (inference, no gradients) in PyTorch on
the CPU: the counterpart of `cyclegan bench --translate`.

Usage: /usr/bin/python3 torch_translate.py [--size 256] [--blocks 9] [--ngf 64]
       [--channels 3] [--iters 5] [--threads 2]
Prints one JSON line.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_cyclegan_step import generator  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--blocks", type=int, default=9)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g = generator(a.channels, a.ngf, a.blocks).eval()
    x = torch.rand(1, a.channels, a.size, a.size) * 2 - 1
    with torch.inference_mode():
        g(x)  # warm-up
        times = []
        for _ in range(a.iters):
            t = time.perf_counter()
            g(x)
            times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({
        "impl": "pytorch-" + torch.__version__, "mode": "translate", "size": a.size,
        "blocks": a.blocks, "threads": a.threads, "median_s": times[len(times) // 2],
        "min_s": times[0], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
