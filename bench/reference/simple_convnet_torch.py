"""The book's ch7 SimpleConvNet trained in PyTorch on the CPU, timed for `npm run bench` (bench/simple-convnet.ts).

Conv 30 filters 5x5 (pad 0, stride 1) -> ReLU -> 2x2 max-pool stride 2 -> Affine 100 -> ReLU -> Affine 10,
softmax cross-entropy, weights 0.01 * randn and zero biases, Adam lr 0.001, batch 100, float32, on the bundled
MNIST IDX files (pixels / 255). Prints one JSON object: for each thread count, the seconds of `steps` training
steps (after a warm-up) and of one evaluation pass (predictions on the 10 000 test and 60 000 training images).

    python3 bench/reference/simple_convnet_torch.py --mnist resources/datasets/mnist --threads 1,2 --steps 600
"""
import argparse
import ctypes
import gzip
import json
import os
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem, stem + '.gz'):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    raise FileNotFoundError(f'{stem}(.gz) not found in {directory}')


def loaded_blas():
    """The BLAS library this process mapped (Debian's torch calls the system's libblas.so.3, whichever it is)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
        return ', '.join(sorted(os.path.realpath(p) for p in paths)) or 'none mapped (torch\'s own or MKL)'
    except OSError:
        return 'unknown'


def set_blas_threads(threads):
    """OpenBLAS keeps its own thread count, which torch.set_num_threads does not reach in Debian's build."""
    try:
        ctypes.CDLL(None).openblas_set_num_threads(threads)
    except (AttributeError, OSError):
        pass


def simple_conv_net():
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5, stride=1, padding=0),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2, stride=2),
        torch.nn.Flatten(),
        torch.nn.Linear(30 * 12 * 12, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    with torch.no_grad():
        for module in net:
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                module.weight.normal_(0, 0.01)
                module.bias.zero_()
    return net


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--mnist', required=True)
    parser.add_argument('--threads', default='1,2')
    parser.add_argument('--steps', type=int, default=600)
    parser.add_argument('--warmup', type=int, default=20)
    parser.add_argument('--batch', type=int, default=100)
    args = parser.parse_args()

    train_x = torch.from_numpy(read_idx(find(args.mnist, 'train-images-idx3-ubyte')).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    train_t = torch.from_numpy(read_idx(find(args.mnist, 'train-labels-idx1-ubyte')).astype(np.int64))
    test_x = torch.from_numpy(read_idx(find(args.mnist, 't10k-images-idx3-ubyte')).astype(np.float32) / 255).reshape(-1, 1, 28, 28)

    runs = []
    for threads in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(threads)
        set_blas_threads(threads)
        torch.manual_seed(0)
        net = simple_conv_net()
        optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
        loss_fn = torch.nn.CrossEntropyLoss()
        batches = torch.randint(0, train_x.shape[0], (args.warmup + args.steps, args.batch))

        def step(indices):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(train_x[indices]), train_t[indices])
            loss.backward()
            optimizer.step()
            return loss

        for i in range(args.warmup):
            step(batches[i])
        started = time.perf_counter()
        for i in range(args.warmup, args.warmup + args.steps):
            loss = step(batches[i])
        train_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with torch.no_grad():
            for images in (test_x, train_x):
                for i in range(0, images.shape[0], 1000):
                    net(images[i:i + 1000]).argmax(dim=1)
        evaluation_seconds = time.perf_counter() - started
        runs.append({'threads': threads, 'steps': args.steps, 'batch': args.batch, 'seconds': train_seconds,
                     'evaluationSeconds': evaluation_seconds, 'lastLoss': float(loss)})
    print(json.dumps({'torch': torch.__version__, 'blas': loaded_blas(), 'runs': runs}))


if __name__ == '__main__':
    main()
