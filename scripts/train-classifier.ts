/**
 * Scores a folder of translated images: trains the Fashion-MNIST
 * sneaker-vs-boot classifier (a few seconds, CPU backend) and counts the
 * images it takes for ankle boots. For our own evaluation of sneaker -> boot
 * translations, not a user-facing command.
 *
 *   node dist/scripts/train-classifier.js <dir-of-translated-images>
 *   boots: 187/200 (classifier test accuracy 99.1%)
 */
import { countBoots, trainBootClassifier } from '../src/eval/boot_classifier';
import { tf } from '../src/engine/tf';
import { UserError } from '../src/util/errors';

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    console.error('usage: node dist/scripts/train-classifier.js <dir-of-translated-images>');
    return 2;
  }
  await tf.setBackend('cpu');
  const classifier = await trainBootClassifier();
  try {
    const { boots, total } = await countBoots(args[0], classifier);
    const accuracy = (100 * classifier.testAccuracy).toFixed(1);
    console.log(`boots: ${boots}/${total} (classifier test accuracy ${accuracy}%)`);
  } finally {
    classifier.dispose();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (!(err instanceof UserError)) throw err;
    console.error(err.hint ? `${err.message} (${err.hint})` : err.message);
    process.exitCode = 1;
  },
);
