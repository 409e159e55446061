"""Makes a generator in PyTorch (the reference networks of
bench/reference/torch_cyclegan_step.py), saves its state dict as safetensors,
and translates one image with it, for the test that a PyTorch generator
translates the same in cyclegan-ts.

Usage: python3 torch_generator.py REFERENCE.py CASE.json WEIGHTS.safetensors OUT.json
CASE.json: {"channels", "ngf", "blocks", "image": {"shape": NCHW, "data": [...]}}
"""
import importlib.util
import json
import struct
import sys

import torch


def save_safetensors(state, path):
    # The format: an 8-byte little-endian header length, a JSON header with
    # dtype, shape and byte offsets of each tensor, then the raw data.
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    spec = importlib.util.spec_from_file_location("reference", sys.argv[1])
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    case = json.load(open(sys.argv[2]))
    torch.manual_seed(3)
    g = ref.generator(case["channels"], case["ngf"], case["blocks"])
    for p in g.parameters():  # the reference's init: N(0, 0.02)
        torch.nn.init.normal_(p, 0.0, 0.02)
    save_safetensors(g.state_dict(), sys.argv[3])
    x = torch.tensor(case["image"]["data"], dtype=torch.float32).reshape(case["image"]["shape"])
    with torch.no_grad():
        y = g(x)
    json.dump({"shape": list(y.shape), "data": y.reshape(-1).tolist()}, open(sys.argv[4], "w"))


if __name__ == "__main__":
    main()
