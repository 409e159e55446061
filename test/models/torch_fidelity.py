"""Computes what the fidelity test compares against: outputs, losses and weight
gradients of the PyTorch reference networks (bench/reference/
torch_cyclegan_step.py) loaded with the weights our networks were given.

Usage: python3 torch_fidelity.py REFERENCE.py CASE.json OUT.json
CASE.json holds the sizes, the four networks' weights in PyTorch layout under
the reference release's names, and realA / realB in NCHW order.
"""
import importlib.util
import json
import sys

import torch
import torch.nn.functional as F


def load_reference(path):
    spec = importlib.util.spec_from_file_location("reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensor(entry):
    return torch.tensor(entry["data"], dtype=torch.float64).reshape(entry["shape"])


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def main():
    # The reference runs in float64, so the comparison measures our float32
    # rounding against the exact result rather than against PyTorch's own.
    torch.set_default_dtype(torch.float64)
    ref = load_reference(sys.argv[1])
    case = json.load(open(sys.argv[2]))
    c, ngf, ndf, blocks = case["channels"], case["ngf"], case["ndf"], case["blocks"]
    lambda_a, lambda_b, lambda_idt = case["lambdaA"], case["lambdaB"], case["lambdaIdentity"]
    nets = {
        "G_A": ref.generator(c, ngf, blocks), "G_B": ref.generator(c, ngf, blocks),
        "D_A": ref.discriminator(c, ndf), "D_B": ref.discriminator(c, ndf),
    }
    for name, net in nets.items():
        state = {k: tensor(v) for k, v in case["weights"][name].items()}
        net.load_state_dict(state, strict=True)
    real_a, real_b = tensor(case["realA"]), tensor(case["realB"])
    g_a, g_b, d_a, d_b = nets["G_A"], nets["G_B"], nets["D_A"], nets["D_B"]

    def gan(pred, real):
        return F.mse_loss(pred, torch.ones_like(pred) if real else torch.zeros_like(pred))

    # Generators, with the discriminators held fixed.
    for d in (d_a, d_b):
        d.requires_grad_(False)
    fake_b, fake_a = g_a(real_a), g_b(real_b)
    rec_a, rec_b = g_b(fake_b), g_a(fake_a)
    losses_g = [
        gan(d_a(fake_b), True), gan(d_b(fake_a), True),
        F.l1_loss(rec_a, real_a) * lambda_a, F.l1_loss(rec_b, real_b) * lambda_b,
        F.l1_loss(g_a(real_b), real_b) * lambda_b * lambda_idt,
        F.l1_loss(g_b(real_a), real_a) * lambda_a * lambda_idt,
    ]
    sum(losses_g).backward()

    # Discriminators, on the fakes as constants.
    for d in (d_a, d_b):
        d.requires_grad_(True)
    losses_d = [
        0.5 * (gan(d_a(real_b), True) + gan(d_a(fake_b.detach()), False)),
        0.5 * (gan(d_b(real_a), True) + gan(d_b(fake_a.detach()), False)),
    ]
    sum(losses_d).backward()

    grads = {}
    for name, net in nets.items():
        for k, p in net.named_parameters():
            grads[f"{name}.{k}"] = flat(p.grad)
    with torch.no_grad():
        outputs = {
            "fakeB": flat(fake_b), "fakeA": flat(fake_a), "recA": flat(rec_a), "recB": flat(rec_b),
            "D_A(realB)": flat(d_a(real_b)), "D_B(realA)": flat(d_b(real_a)),
        }
    json.dump({
        "losses": [float(l) for l in losses_g + losses_d],
        "outputs": outputs, "grads": grads,
    }, open(sys.argv[3], "w"))


if __name__ == "__main__":
    main()
