// The JavaScript reference for DetectorReferenceTest: runs npm @vladmandic/human@3.3.6 (tfjs 4.22.0,
// WASM backend) with one object model on raw RGB pixels written by the Java test, so both sides see
// identical pixels. One process per model: it reads every image listed in <list file>.
// Usage: node reference.js <node_modules> <model.json> <format: centernet|nanodet> <input size>
//          <output names, comma-separated> <list file: "rgb-file width height" per line> <out.json>
'use strict';
const fs = require('fs');
const path = require('path');
const [nodeModules, modelJson, format, inputSizeArg, outputNames, listFile, outFile] = process.argv.slice(2);
const inputSize = parseInt(inputSizeArg, 10);
const outputs = outputNames.split(',');

// Node's fetch has no file:// support; human loads models through fetch, so serve files from disk.
globalThis.fetch = async (url) => {
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  return new Response(fs.readFileSync(file), { status: 200 });
};

async function main() {
  const { Human } = require(path.join(nodeModules, '@vladmandic/human/dist/human.node-wasm.js'));
  const human = new Human({
    backend: 'wasm',
    wasmPath: path.join(nodeModules, '@tensorflow/tfjs-backend-wasm/dist/'),
    modelBasePath: 'file://' + path.dirname(path.resolve(modelJson)) + '/',
    debug: false,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: path.basename(modelJson), minConfidence: 0.2, iouThreshold: 0.4, maxDetected: 10 },
  });
  await human.load();
  const tf = human.tf;
  const model = human.models.models[format];
  if (!model) throw new Error(`human loaded no '${format}' model from ${modelJson}`);
  const images = [];
  for (const line of fs.readFileSync(listFile, 'utf8').split('\n').filter((l) => l.trim())) {
    const [rgbFile, width, height] = line.split(' ');
    const w = parseInt(width, 10);
    const h = parseInt(height, 10);
    const pixels = new Uint8Array(fs.readFileSync(rgbFile));
    if (pixels.length !== w * h * 3) throw new Error(`${rgbFile} has ${pixels.length} bytes, expected ${w}x${h}x3`);
    const input = tf.tensor(Float32Array.from(pixels), [1, h, w, 3], 'float32');
    const result = await human.detect(input);
    // The raw graph outputs on the same input as the model's pre-processing in human, for a tensor-level comparison.
    let modelInput = tf.image.resizeBilinear(input, [inputSize, inputSize]);
    if (format === 'nanodet') modelInput = tf.transpose(tf.div(modelInput, 255), [0, 3, 1, 2]);
    let raw = model.execute(modelInput, outputs);
    if (!Array.isArray(raw)) raw = [raw];
    const rawValues = [];
    for (const t of raw) rawValues.push({ shape: t.shape, values: Array.from(await t.data()) });
    images.push({
      objects: result.object.map((o) => ({ label: o.label, class: o.class, score: o.score, box: o.box })),
      raw: rawValues,
    });
    tf.dispose([input, modelInput, ...raw]);
  }
  const out = { human: human.version, tfjs: tf.version_core, backend: tf.getBackend(), images };
  fs.writeFileSync(outFile, JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
