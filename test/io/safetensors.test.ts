import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
} from '../../src/io/safetensors';
import { UserError } from '../../src/util/errors';

/** Builds a safetensors file by hand: header text (unpadded) and raw data bytes. */
function handMade(header: string, data: number[]): Uint8Array {
  const json = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): number[] {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return [...b];
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
}

test('encode: exact bytes for one 2x2 F32 tensor with metadata', () => {
  const bytes = encodeSafetensors(
    { w: { data: Float32Array.from([1, -2, 0.5, 3]), shape: [2, 2] } },
    { format: 'pt' },
  );
  const header =
    '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}';
  // 8 + 88 = 96 is already a multiple of 8, so no padding is needed.
  assert.equal(header.length, 88);
  assert.deepEqual([...bytes], [...handMade(header, f32Bytes([1, -2, 0.5, 3]))]);
});

test('encode: header padded with spaces to an 8-byte boundary', () => {
  const bytes = encodeSafetensors({ a: { data: Float32Array.from([7]), shape: [] } });
  const header = '{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}';
  assert.equal(header.length, 53); // 8 + 53 = 61, padded to 64
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  assert.equal(n, 56);
  assert.equal(Buffer.from(bytes.subarray(8, 8 + n)).toString(), header + '   ');
  assert.equal(bytes.length, 64 + 4);
  assert.equal(Buffer.from(bytes).readFloatLE(64), 7);
});

test('encode: tensors packed in key order, no gaps', () => {
  const bytes = encodeSafetensors({
    'model.1.weight': { data: Float32Array.from([1, 2, 3]), shape: [3] },
    'model.1.bias': { data: Float32Array.from([4]), shape: [1] },
  });
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString());
  assert.deepEqual(header['model.1.weight'].data_offsets, [0, 12]);
  assert.deepEqual(header['model.1.bias'].data_offsets, [12, 16]);
  const data = new Float32Array(bytes.slice(8 + n).buffer);
  assert.deepEqual([...data], [1, 2, 3, 4]);
});

test('encode: shape and data length must agree', () => {
  assert.throws(() => encodeSafetensors({ w: { data: new Float32Array(5), shape: [2, 3] } }), {
    message: "tensor 'w': shape [2,3] needs 6 values but data has 5",
  });
});

test('decode: hand-made F32 file', () => {
  const file = handMade(
    '{"x":{"dtype":"F32","shape":[1,3],"data_offsets":[0,12]},"__metadata__":{"k":"v"}}',
    f32Bytes([0.25, -1, 1e10]),
  );
  const { tensors, metadata } = decodeSafetensors(file, 'x.safetensors');
  assert.deepEqual(metadata, { k: 'v' });
  assert.deepEqual(tensors.x.shape, [1, 3]);
  assert.deepEqual([...tensors.x.data], [0.25, -1, Math.fround(1e10)]);
});

test('decode: F16, BF16 and F64 become float32', () => {
  const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555]; // 1 -2 65504 2^-24 inf ~1/3
  const bf16 = [0x3f80, 0xc040, 0x4049]; // 1 -3 3.140625
  const f64 = Buffer.alloc(16);
  f64.writeDoubleLE(1.5, 0);
  f64.writeDoubleLE(-1e-3, 8);
  const u16 = (vs: number[]) => vs.flatMap((v) => [v & 0xff, v >> 8]);
  const data = [...u16(f16), ...u16(bf16), ...f64];
  const file = handMade(
    '{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},' +
      '"b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},' +
      '"d":{"dtype":"F64","shape":[2,1],"data_offsets":[18,34]}}',
    data,
  );
  const { tensors } = decodeSafetensors(file, 'mixed');
  assert.deepEqual(
    [...tensors.h.data],
    [1, -2, 65504, 2 ** -24, Infinity, Math.fround(0.333251953125)],
  );
  assert.deepEqual([...tensors.b.data], [1, -3, 3.140625]);
  assert.deepEqual([...tensors.d.data], [1.5, Math.fround(-1e-3)]);
  assert.deepEqual(tensors.d.shape, [2, 1]);
});

test('decode: works on an unaligned view of a larger buffer', () => {
  const file = encodeSafetensors({ t: { data: Float32Array.from([1, 2, 3]), shape: [3] } });
  const big = new Uint8Array(file.length + 3);
  big.set(file, 1);
  const { tensors } = decodeSafetensors(big.subarray(1, 1 + file.length), 'view');
  assert.deepEqual([...tensors.t.data], [1, 2, 3]);
});

test('decode: empty file and zero-sized tensor', () => {
  const empty = decodeSafetensors(encodeSafetensors({}), 'empty');
  assert.deepEqual(empty, { tensors: {}, metadata: {} });
  const z = decodeSafetensors(
    encodeSafetensors({ z: { data: new Float32Array(0), shape: [0, 4] } }),
    'z',
  );
  assert.deepEqual(z.tensors.z.shape, [0, 4]);
  assert.equal(z.tensors.z.data.length, 0);
});

test('decode: malformed files give a UserError naming the file and the fault', () => {
  const p = 'bad.safetensors: not a valid safetensors file: ';
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const cases: Array<[string, Uint8Array, string]> = [
    ['too short', new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte header length'],
    [
      'length too big',
      handMade(ok, f32Bytes([1, 2])).subarray(0, 40),
      'header length 54 exceeds the 32 bytes after it',
    ],
    ['not an object', handMade('[1,2]', []), 'header does not start with "{"'],
    ['bad json', handMade('{"a":', []), 'header is not JSON'],
    [
      'truncated data',
      handMade(ok, f32Bytes([1])),
      'file is truncated: tensors need 8 data bytes, found 4',
    ],
    ['tail', handMade(ok, f32Bytes([1, 2, 3])), '4 unused bytes after the last tensor'],
    [
      'dtype',
      handMade('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', f32Bytes([1, 2])),
      "tensor 'a' has dtype I64; supported: F64, F32, F16, BF16",
    ],
    [
      'shape vs offsets',
      handMade('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32Bytes([1, 2])),
      "tensor 'a' (F32 [3]) needs 12 bytes but data_offsets [0,8] span 8",
    ],
    [
      'overlap',
      handMade(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
          '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
        f32Bytes([1, 2]),
      ),
      "tensor 'b' overlaps the one before it (starts at 4, expected 8)",
    ],
    [
      'hole',
      handMade('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32Bytes([1, 2])),
      "hole in the data buffer before tensor 'a' (bytes 0..4)",
    ],
    [
      'metadata',
      handMade('{"__metadata__":{"n":3}}', []),
      '__metadata__.n is number, expected a string',
    ],
    [
      'negative dim',
      handMade('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}', []),
      "tensor 'a' has shape [-1], expected non-negative integers",
    ],
  ];
  for (const [label, bytes, why] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes, 'bad.safetensors'),
      (err: unknown) => {
        assert.ok(err instanceof UserError, label);
        assert.ok(err.message.startsWith(p + why), `${label}: ${err.message}`);
        return true;
      },
    );
  }
});

test('write then read a file: values, shapes, metadata; missing file is a UserError', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'sub', 'w.safetensors');
  const w = Float32Array.from({ length: 64 * 3 * 3 * 3 }, (_, i) => Math.sin(i));
  await writeSafetensors(
    file,
    { 'model.1.weight': { data: w, shape: [64, 3, 3, 3] } },
    { step: '7' },
  );
  const back = await readSafetensors(file);
  assert.deepEqual(back.metadata, { step: '7' });
  assert.deepEqual(back.tensors['model.1.weight'].shape, [64, 3, 3, 3]);
  assert.deepEqual(back.tensors['model.1.weight'].data, w);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['w.safetensors']); // no temp file left
  const missing = path.join(dir, 'nope.safetensors');
  await assert.rejects(readSafetensors(missing), new UserError(`${missing}: no such file`));
  fs.rmSync(dir, { recursive: true });
});

function pythonWithTorch(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0;
}

const PY_READ = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {'headerLen': n, 'metadata': header.pop('__metadata__', {})}
for name, info in header.items():
    b, e = info['data_offsets']
    t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(info['shape'])
    out[name] = {'shape': list(t.shape), 'values': t.flatten().tolist()}
print(json.dumps(out))
`;

const PY_WRITE = `
import json, struct, sys, torch
ts = {
    'h': torch.tensor([[0.5, -1.25], [3.0, 1e-3]], dtype=torch.float16),
    'b': torch.tensor([1.0, -2.5, 100.0], dtype=torch.bfloat16),
    'd': torch.tensor([0.1], dtype=torch.float64),
    'f': torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7,
}
names = {torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.float32: 'F32'}
header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
for k, t in ts.items():
    b = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
    header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
print(json.dumps({k: t.float().flatten().tolist() for k, t in ts.items()}))
`;

test('cross-check with PyTorch: python reads ours, we read python F16/BF16/F64/F32', (t) => {
  if (!pythonWithTorch()) {
    t.skip('/usr/bin/python3 with torch is not available');
    return;
  }
  const dir = tmpDir();
  const file = path.join(dir, 'ours.safetensors');
  const w = Float32Array.from([0.1, -0.2, 3.5, 1e-8, -7, 42]);
  fs.writeFileSync(
    file,
    encodeSafetensors(
      {
        'model.1.weight': { data: w, shape: [3, 2] },
        bias: { data: Float32Array.from([9]), shape: [1] },
      },
      { format: 'pt' },
    ),
  );
  const r = spawnSync('/usr/bin/python3', ['-c', PY_READ, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout);
  assert.equal(py.headerLen % 8, 0);
  assert.deepEqual(py.metadata, { format: 'pt' });
  assert.deepEqual(py['model.1.weight'], { shape: [3, 2], values: [...w] });
  assert.deepEqual(py.bias, { shape: [1], values: [9] });

  const theirs = path.join(dir, 'theirs.safetensors');
  const wr = spawnSync('/usr/bin/python3', ['-c', PY_WRITE, theirs], { encoding: 'utf8' });
  assert.equal(wr.status, 0, wr.stderr);
  const expected: Record<string, number[]> = JSON.parse(wr.stdout);
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(theirs), theirs);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(tensors.h.shape, [2, 2]);
  assert.deepEqual(tensors.f.shape, [2, 3]);
  for (const k of ['h', 'b', 'd', 'f']) {
    assert.deepEqual([...tensors[k].data], expected[k].map(Math.fround), k);
  }
  fs.rmSync(dir, { recursive: true });
});
