#!/usr/bin/env python3
"""Load an edgeoptim checkpoint into PyTorch: the parameters, and the optimizer through
`optimizer.load_state_dict`, for the rules torch has.

    python3 examples/load_in_torch.py run.safetensors            # load it and print a summary
    python3 examples/load_in_torch.py run.safetensors --step out.safetensors
        # ...then take one torch step with the gradients saved in the file (saveCheckpoint(...,
        # { grads: true })) and write the parameters and state after it to out.safetensors

or, from Python:

    from load_in_torch import load_checkpoint
    params, optimizer, meta = load_checkpoint('run.safetensors')   # params: {name: torch.nn.Parameter}

The file format (see src/checkpoint/checkpoint.ts): safetensors; tensors `param.<name>`,
`state.<name>.<slot>` (torch's slot names), optionally `grad.<name>`; metadata `rule`,
`param_groups` (JSON: camelCase options and tensor names per group) and `state_scalars` (JSON: per
tensor `step` and other scalar state). Only the torch package is needed: the safetensors layout is
read directly. Checksums are verified by edgeoptim itself, not here.
"""
import json
import re
import struct
import sys
import warnings

import torch

# edgeoptim rule name -> torch.optim class name
TORCH_CLASSES = {
    'sgd': 'SGD', 'adam': 'Adam', 'adamw': 'AdamW', 'adagrad': 'Adagrad', 'adadelta': 'Adadelta',
    'rmsprop': 'RMSprop', 'adamax': 'Adamax', 'nadam': 'NAdam', 'radam': 'RAdam', 'asgd': 'ASGD',
    'rprop': 'Rprop',
}
# Options stored as lists that torch wants as tuples.
TUPLE_OPTIONS = {'betas', 'etas', 'step_sizes'}


def snake(name):
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


DTYPES = {'F32': torch.float32, 'BF16': torch.bfloat16, 'I8': torch.int8, 'U8': torch.uint8}
Q8_CODEC = 'edgeoptim-q8-block256-v1'
Q8_BLOCK = 256


def read_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file (F32, BF16, I8 and U8 tensors)."""
    if sys.byteorder != 'little':
        raise RuntimeError('this reader assumes a little-endian host')
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    tensors = {}
    for name, e in header.items():
        if e['dtype'] not in DTYPES:
            raise ValueError(f"tensor {name}: dtype {e['dtype']} (expected F32, BF16, I8 or U8)")
        dtype = DTYPES[e['dtype']]
        begin, end = e['data_offsets']
        if end == begin:
            tensors[name] = torch.zeros(e['shape'], dtype=dtype)
        else:
            raw = bytearray(data[base + begin:base + end])
            tensors[name] = torch.frombuffer(raw, dtype=dtype).reshape(e['shape'])
    return tensors, meta


def write_safetensors(path, tensors, meta=None):
    header, chunks, offset = {'__metadata__': meta or {}}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))


def decode_json(text, tensors):
    """edgeoptim's metadata JSON: {"$number": "Infinity"} and {"$tensor": name} leaves."""
    def hook(o):
        if len(o) == 1 and '$number' in o:
            return float(o['$number'])
        if len(o) == 1 and '$tensor' in o:
            return tensors[o['$tensor']]
        return o
    return json.loads(text, object_hook=hook)


def dequantize(codes, absmax):
    """8-bit state codes to float32 (codec edgeoptim-q8-block256-v1, blocks of 256 over the flat
    tensor): int8 x = absmax * c|c| / 127^2, uint8 x = absmax * c^4 / 255^4."""
    c = codes.reshape(-1).to(torch.float64)
    scale = absmax.to(torch.float64).repeat_interleave(Q8_BLOCK)[:c.numel()]
    x = scale * c * c.abs() / 127 ** 2 if codes.dtype == torch.int8 else scale * c ** 4 / 255 ** 4
    return x.to(torch.float32).reshape(codes.shape)


def state_value(tensors, key, meta):
    """A state slot as float32, widening bfloat16 and decoding 8-bit codes."""
    t = tensors[key]
    if t.dtype == torch.bfloat16:
        return t.float()
    if t.dtype in (torch.int8, torch.uint8):
        if meta.get('state_codec') != Q8_CODEC:
            raise ValueError(f"{key}: 8-bit codes of codec {meta.get('state_codec')!r}; this script reads {Q8_CODEC}")
        return dequantize(t, tensors[key + '.absmax'])
    return t.clone()


def load_checkpoint(path):
    """Returns (params: {name: Parameter}, optimizer with the checkpoint's state, metadata)."""
    tensors, meta = read_safetensors(path)
    if meta.get('format') != 'edgeoptim.checkpoint':
        raise ValueError(f'{path} is not an edgeoptim checkpoint')
    rule = meta['rule']
    if rule not in TORCH_CLASSES:
        raise ValueError(f"rule '{rule}' has no torch.optim counterpart")
    cls = getattr(torch.optim, TORCH_CLASSES[rule])
    groups = decode_json(meta['param_groups'], tensors)
    scalars = decode_json(meta['state_scalars'], tensors)

    params = {}
    torch_groups = []
    for g in groups:
        names = g['params']
        for name in names:
            params[name] = torch.nn.Parameter(tensors[f'param.{name}'].clone())
        # lr goes in at construction (torch's SGD has no default); the rest through load_state_dict.
        torch_groups.append({'params': [params[n] for n in names], 'lr': g['lr']})
    opt = cls(torch_groups)

    sd = opt.state_dict()
    known = set(opt.defaults)
    for saved, target in zip(groups, sd['param_groups']):
        for key, value in saved.items():
            if key == 'params':
                continue
            tkey = snake(key)
            if tkey not in known:
                warnings.warn(f"option '{key}' = {value!r} has no counterpart in torch {torch.__version__}'s {cls.__name__}; dropped")
                continue
            target[tkey] = tuple(value) if tkey in TUPLE_OPTIONS else value

    index = {name: i for i, name in enumerate(params)}
    state = {}
    for name in params:
        entry = {}
        prefix = f'state.{name}.'
        for key, t in tensors.items():
            if key.startswith(prefix) and '.' not in key[len(prefix):]:
                entry[key[len(prefix):]] = state_value(tensors, key, meta)
        tensor_scalars = scalars.get(name, {})
        if rule == 'sgd':
            # torch's SGD keeps no step; its momentum buffer exists only after the first step.
            if tensor_scalars.get('step', 0) == 0:
                entry = {}
        else:
            for key, v in tensor_scalars.items():
                entry[key] = torch.tensor(float(v))
        if entry:
            state[index[name]] = entry
    sd['state'] = state
    opt.load_state_dict(sd)
    return params, opt, meta


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__)
        return 0
    path = argv[0]
    params, opt, meta = load_checkpoint(path)
    steps = sorted({int(v.get('step', 0)) for v in json.loads(meta['state_scalars']).values()})
    print(f"{path}: {type(opt).__name__}, {len(params)} tensors in {len(opt.param_groups)} groups, step {steps}, "
          f"lr {[g['lr'] for g in opt.param_groups]}")
    if len(argv) >= 3 and argv[1] == '--step':
        tensors, _ = read_safetensors(path)
        for name, p in params.items():
            if f'grad.{name}' not in tensors:
                raise ValueError(f"--step needs the gradients in the checkpoint (grad.{name}); save with grads: true")
            p.grad = tensors[f'grad.{name}'].clone()
        opt.step()
        out = {f'param.{n}': p for n, p in params.items()}
        for n, p in params.items():
            for key, v in opt.state[p].items():
                if torch.is_tensor(v) and v.shape == p.shape:
                    out[f'state.{n}.{key}'] = v
        write_safetensors(argv[2], out, {'torch': torch.__version__})
        print(f'stepped once with the saved gradients; wrote {argv[2]}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
