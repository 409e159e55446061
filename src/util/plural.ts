/** `count(1, 'image')` is "1 image", `count(3, 'image')` "3 images". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
