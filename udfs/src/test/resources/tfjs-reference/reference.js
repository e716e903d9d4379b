// The JavaScript reference for CenterNetReferenceTest: runs npm @vladmandic/human@3.3.6 (tfjs 4.22.0,
// WASM backend) on raw RGB pixels written by the Java test, so both sides see identical pixels.
// Usage: node reference.js <node_modules> <model dir> <rgb file (uint8 HWC)> <width> <height> <out.json>
'use strict';
const fs = require('fs');
const path = require('path');
const [nodeModules, modelDir, rgbFile, width, height, outFile] = process.argv.slice(2);
const w = parseInt(width, 10);
const h = parseInt(height, 10);

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
    modelBasePath: 'file://' + path.resolve(modelDir) + '/',
    debug: false,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.2, iouThreshold: 0.4, maxDetected: 10 },
  });
  await human.load();
  const tf = human.tf;
  const pixels = new Uint8Array(fs.readFileSync(rgbFile));
  if (pixels.length !== w * h * 3) throw new Error(`${rgbFile} has ${pixels.length} bytes, expected ${w}x${h}x3`);
  const input = tf.tensor(Float32Array.from(pixels), [1, h, w, 3], 'float32');
  const result = await human.detect(input);
  // The raw graph output on the same resized input, for a tensor-level comparison.
  const model = human.models.models.centernet;
  const resized = tf.image.resizeBilinear(input, [512, 512]);
  const raw = model.execute(resized, ['tower_0/detections']);
  const out = {
    human: human.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    objects: result.object.map((o) => ({ label: o.label, class: o.class, score: o.score, box: o.box })),
    raw: Array.from(await raw.data()),
  };
  fs.writeFileSync(outFile, JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
