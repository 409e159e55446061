import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { listImages } from '../../src/data/folder';
import { UserError } from '../../src/util/errors';
import { tmpDir } from './fixtures';

const root = tmpDir();

/** Creates the files (relative path → content) under a new folder and returns it. */
function tree(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** 132 bytes: an empty preamble and the 'DICM' marker. */
const dicomHead = (): Uint8Array => {
  const bytes = new Uint8Array(200);
  bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
  return bytes;
};

describe('listImages', () => {
  it('recursive, folders then names sorted, extensions in any case, DICOM by content', () => {
    const dir = tree('mixed', {
      'b.png': 'x',
      'A.PNG': 'x',
      'a.tif': 'x',
      'c.JpEg': 'x',
      scan: dicomHead(), // no extension, DICOM by content
      'notes.txt': 'not an image',
      README: 'plain text, no extension',
      '.hidden.png': 'x',
      '.cache/d.png': 'x',
      'sub/z.webp': 'x',
      'sub/y.dcm': 'x',
      'sub-x/w.bmp': 'x',
      'sub2/deep/v.gif': 'x',
      'sub2/u.tiff': 'x',
    });
    const rel = listImages(dir).map((p) => path.relative(dir, p));
    assert.deepEqual(rel, [
      'A.PNG',
      'a.tif',
      'b.png',
      'c.JpEg',
      'scan',
      'sub/y.dcm',
      'sub/z.webp',
      'sub-x/w.bmp', // folder 'sub' sorts before 'sub-x' (a prefix first)
      'sub2/u.tiff',
      'sub2/deep/v.gif',
    ]);
  });

  it('max-dataset-size keeps the first n in order', () => {
    const dir = tree('five', {
      '3.png': 'x',
      '1.png': 'x',
      '5.png': 'x',
      '2.png': 'x',
      '4.png': 'x',
    });
    assert.deepEqual(
      listImages(dir, 2).map((p) => path.basename(p)),
      ['1.png', '2.png'],
    );
    assert.equal(listImages(dir, 10).length, 5);
    assert.throws(
      () => listImages(dir, 0),
      new UserError('--max-dataset-size: expected a positive integer, received 0'),
    );
  });

  it('missing folder', () => {
    const dir = path.join(root, 'nothing-here', 'trainA');
    assert.throws(
      () => listImages(dir),
      new UserError(`Folder ${dir} does not exist. Check --dataroot.`),
    );
  });

  it('empty folder, and a folder with no images, name the option', () => {
    const empty = tree('empty', {});
    assert.throws(
      () => listImages(empty),
      new UserError(
        `No images in ${empty} (expected PNG, JPEG, WebP, TIFF, BMP, GIF or DICOM files). ` +
          'Check --dataroot.',
      ),
    );
    const text = tree('text', { 'a.txt': 'x', 'b.json': '{}' });
    assert.throws(() => listImages(text, Infinity, '--input'), {
      message: `No images in ${text} (expected PNG, JPEG, WebP, TIFF, BMP, GIF or DICOM files). Check --input.`,
    });
  });

  it('a file is not a folder', () => {
    const dir = tree('holder', { 'x.png': 'x' });
    const file = path.join(dir, 'x.png');
    assert.throws(
      () => listImages(file),
      new UserError(`${file} is not a folder. Check --dataroot.`),
    );
  });
});
