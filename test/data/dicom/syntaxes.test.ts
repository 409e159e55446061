/**
 * Every transfer syntax, made from known images: dcmtk transcodes (dcmconv, dcmcrle, dcmcjpeg,
 * dcmcjpls) and decompresses references (dcmdjpeg, dcmdjpls) when it is installed; JPEG 2000
 * is encoded here with OpenJPEG's own encoder. Lossless syntaxes must give exactly the
 * original's values, lossy ones dcmtk's decoding within a few grey levels.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isDicom, readDicom, type DicomReadOptions } from '../../../src/data/dicom';
import { encapsulatedFrame } from '../../../src/data/dicom/frames';
import { decodeDctJpeg } from '../../../src/data/dicom/jpeg-dct';
import { parseDicomBytes, readMeta } from '../../../src/data/dicom/parse';
import { readStream } from './j2k';
import { makeDicom, maxDifference, noDcmtk, pattern, transcode, type Synthetic } from './helpers';

const FULL16: DicomReadOptions = { window: { center: 32768, width: 65536 }, frames: 'all' };
const SIGNED16: DicomReadOptions = { window: { center: 0, width: 65536 }, frames: 'all' };

const grey16: Synthetic = { rows: 48, columns: 64, pixels: pattern(64 * 48, 12), bitsStored: 12 };
const grey8: Synthetic = {
  rows: 48,
  columns: 64,
  pixels: pattern(64 * 48, 8, 7),
  bitsAllocated: 8,
};
const signed16: Synthetic = {
  rows: 32,
  columns: 32,
  pixels: pattern(32 * 32, 12, 3).map((v) => v - 2048),
  signed: true,
};
const rgb8: Synthetic = {
  rows: 24,
  columns: 32,
  pixels: pattern(32 * 24 * 3, 8, 5),
  bitsAllocated: 8,
  samplesPerPixel: 3,
};
const multi16: Synthetic = {
  rows: 32,
  columns: 32,
  frames: 3,
  pixels: pattern(32 * 32 * 3, 12, 9),
  bitsStored: 12,
};

function frames(bytes: Uint8Array, opts: DicomReadOptions): number[][] {
  return readDicom(bytes, 'test.dcm', opts).frames.map((f) => Array.from(f));
}

/** The transcoded file reads exactly like the original. */
function assertLossless(
  source: Synthetic,
  tool: string,
  args: string[],
  syntaxName: string,
  opts: DicomReadOptions = FULL16,
): void {
  const original = makeDicom(source);
  const coded = transcode(original, tool, args);
  assert.equal(isDicom(coded), true);
  const image = readDicom(coded, 'coded.dcm', opts);
  assert.equal(image.meta.transferSyntaxName, syntaxName);
  assert.deepEqual(
    image.frames.map((f) => Array.from(f)),
    frames(original, opts),
  );
}

/** The compressed file reads like dcmtk's decompression of it, within `levels` grey levels. */
function assertNearReference(
  coded: Uint8Array,
  decompressor: string,
  syntaxName: string,
  levels: number,
  max: number,
  opts: DicomReadOptions = { frames: 'all' },
): void {
  const reference = transcode(coded, decompressor);
  const image = readDicom(coded, 'coded.dcm', opts);
  assert.equal(image.meta.transferSyntaxName, syntaxName);
  const ours = image.frames.flatMap((f) => Array.from(f));
  const theirs = frames(reference, opts).flat();
  const diff = maxDifference(ours, theirs) * max;
  assert.ok(diff <= levels + 1e-3, `differs from ${decompressor} by ${diff} levels`);
}

describe('uncompressed syntaxes (dcmconv)', { skip: noDcmtk }, () => {
  it('implicit VR little endian, 16-bit', () => {
    assertLossless(grey16, 'dcmconv', ['+ti'], 'Implicit VR Little Endian');
  });
  it('explicit VR big endian, 16-bit, 8-bit, signed and RGB', () => {
    assertLossless(grey16, 'dcmconv', ['+tb'], 'Explicit VR Big Endian');
    assertLossless(grey8, 'dcmconv', ['+tb'], 'Explicit VR Big Endian');
    assertLossless(signed16, 'dcmconv', ['+tb'], 'Explicit VR Big Endian', SIGNED16);
    assertLossless(rgb8, 'dcmconv', ['+tb'], 'Explicit VR Big Endian');
    const ybr422 = {
      ...rgb8,
      photometric: 'YBR_FULL_422',
      pixels: pattern(32 * 24 * 2, 8, 5),
    };
    assertLossless(ybr422, 'dcmconv', ['+tb'], 'Explicit VR Big Endian');
  });
  it('deflated explicit VR little endian', () => {
    assertLossless(grey16, 'dcmconv', ['+td'], 'Deflated Explicit VR Little Endian');
    assertLossless(multi16, 'dcmconv', ['+td'], 'Deflated Explicit VR Little Endian');
  });
});

describe('RLE Lossless (dcmcrle)', { skip: noDcmtk }, () => {
  it('16-bit, 8-bit, signed, RGB and three frames', () => {
    assertLossless(grey16, 'dcmcrle', [], 'RLE Lossless');
    assertLossless(grey8, 'dcmcrle', [], 'RLE Lossless');
    assertLossless(signed16, 'dcmcrle', [], 'RLE Lossless', SIGNED16);
    assertLossless(rgb8, 'dcmcrle', [], 'RLE Lossless');
    assertLossless(multi16, 'dcmcrle', [], 'RLE Lossless');
  });

  it('YBR_FULL colour is converted after RLE decoding', () => {
    assertLossless({ ...rgb8, photometric: 'YBR_FULL' }, 'dcmcrle', [], 'RLE Lossless');
  });
});

describe('JPEG (dcmcjpeg)', { skip: noDcmtk }, () => {
  const sv1 = 'JPEG Lossless, Non-Hierarchical, First-Order Prediction';
  it('lossless SV1 and process 14: 16-bit, 8-bit, signed, RGB, three frames', () => {
    assertLossless(grey16, 'dcmcjpeg', ['+e1'], sv1);
    assertLossless(grey16, 'dcmcjpeg', ['+el'], 'JPEG Lossless, Non-Hierarchical (Process 14)');
    assertLossless(grey8, 'dcmcjpeg', ['+e1'], sv1);
    assertLossless(signed16, 'dcmcjpeg', ['+e1'], sv1, SIGNED16);
    assertLossless(rgb8, 'dcmcjpeg', ['+e1'], sv1);
    assertLossless(multi16, 'dcmcjpeg', ['+e1'], sv1);
  });

  it('frames split over many fragments, with and without a basic offset table', () => {
    assertLossless(multi16, 'dcmcjpeg', ['+e1', '+fs', '1', '+ot'], sv1);
    assertLossless(multi16, 'dcmcjpeg', ['+e1', '+fs', '1', '-ot'], sv1);
    assertLossless(grey16, 'dcmcjpeg', ['+e1', '+fs', '1'], sv1);
  });

  it('baseline 8-bit grey and RGB (YBR_FULL_422 in the stream) match dcmdjpeg', () => {
    const grey = transcode(makeDicom(grey8), 'dcmcjpeg', ['+eb']);
    assertNearReference(grey, 'dcmdjpeg', 'JPEG Baseline (Process 1)', 1, 255);
    const colour = transcode(makeDicom(rgb8), 'dcmcjpeg', ['+eb']);
    assert.equal(readDicom(colour, 'c', {}).meta.photometric, 'YBR_FULL_422');
    assertNearReference(colour, 'dcmdjpeg', 'JPEG Baseline (Process 1)', 2, 255);
  });

  it('extended 12-bit (process 4) matches dcmdjpeg, one frame and three', () => {
    const one = transcode(makeDicom(grey16), 'dcmcjpeg', ['+ee']);
    assertNearReference(one, 'dcmdjpeg', 'JPEG Extended (Process 2 & 4)', 1, 4095, FULL16);
    const three = transcode(makeDicom(multi16), 'dcmcjpeg', ['+ee']);
    assertNearReference(three, 'dcmdjpeg', 'JPEG Extended (Process 2 & 4)', 1, 4095, FULL16);
  });

  it('our DCT decoder agrees with libjpeg-turbo on an 8-bit baseline frame', () => {
    const coded = transcode(makeDicom(grey8), 'dcmcjpeg', ['+eb']);
    const parsed = parseDicomBytes(coded, 'coded.dcm');
    const stream = encapsulatedFrame(parsed.dataSet, readMeta(parsed, 'coded.dcm'), 0, 'x');
    const ours = decodeDctJpeg(stream).data;
    const reference = readDicom(coded, 'coded.dcm', { window: { center: 128, width: 256 } });
    const turbo = Array.from(reference.frames[0], (v) => Math.round(v * 255));
    assert.ok(maxDifference(Array.from(ours), turbo) <= 1);
  });
});

describe('JPEG-LS (dcmcjpls)', { skip: noDcmtk }, () => {
  it('lossless 16-bit, signed and three frames', () => {
    assertLossless(grey16, 'dcmcjpls', [], 'JPEG-LS Lossless');
    assertLossless(signed16, 'dcmcjpls', [], 'JPEG-LS Lossless', SIGNED16);
    assertLossless(multi16, 'dcmcjpls', [], 'JPEG-LS Lossless');
  });

  it('lossless RGB with line, sample and no interleaving', () => {
    for (const mode of ['+il', '+is', '+in']) {
      assertLossless(rgb8, 'dcmcjpls', [mode], 'JPEG-LS Lossless');
    }
  });

  it('near-lossless (NEAR 2) matches dcmdjpls', () => {
    const coded = transcode(makeDicom(grey16), 'dcmcjpls', ['+en']);
    assertNearReference(coded, 'dcmdjpls', 'JPEG-LS Lossy (Near-Lossless)', 0, 4095, FULL16);
    // and stays within NEAR of the original
    const original = frames(makeDicom(grey16), FULL16).flat();
    const ours = frames(coded, FULL16).flat();
    assert.ok(maxDifference(original, ours) * 65535 <= 2 + 1e-3); // float32 rounding
  });
});

describe('JPEG 2000 (encoded here by OpenJPEG)', () => {
  async function j2kFile(source: Synthetic, bits: number): Promise<Uint8Array> {
    const spp = source.samplesPerPixel ?? 1;
    const per = source.rows * source.columns * spp;
    const streams: Uint8Array[] = [];
    for (let f = 0; f < (source.frames ?? 1); f++) {
      const values = Array.from(source.pixels).slice(f * per, (f + 1) * per);
      streams.push(
        await readStream(values, {
          width: source.columns,
          height: source.rows,
          bitsPerSample: bits,
          componentCount: spp,
          isSigned: !!source.signed,
        }),
      );
    }
    return makeDicom({
      ...source,
      transferSyntax: '1.2.840.10008.1.2.4.90',
      encapsulated: streams,
    });
  }

  async function assertJ2k(source: Synthetic, bits: number, opts = FULL16): Promise<void> {
    const coded = await j2kFile(source, bits);
    const image = readDicom(coded, 'j2k.dcm', opts);
    assert.equal(image.meta.transferSyntaxName, 'JPEG 2000 (Lossless Only)');
    assert.deepEqual(
      image.frames.map((f) => Array.from(f)),
      frames(makeDicom(source), opts),
    );
  }

  it('lossless 12-bit grey, signed 16-bit, 8-bit RGB and three frames', async () => {
    await assertJ2k(grey16, 12);
    await assertJ2k(signed16, 16, SIGNED16);
    await assertJ2k(rgb8, 8);
    await assertJ2k(multi16, 12);
  });
});
