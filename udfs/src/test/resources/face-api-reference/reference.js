// The JavaScript reference for FaceApiReferenceTest: npm @vladmandic/face-api@1.7.15 (tfjs 4.22.0,
// WASM backend) running detectAllFaces(tensor, SsdMobilenetv1Options).withFaceLandmarks()
// .withFaceDescriptors() on raw RGB pixels written by the Java test, so both sides see identical
// pixels. Weights are read from the directory scripts/setup fills (models/face-api).
// Usage: node reference.js <node_modules> <weights dir> <minConfidence> <list file: "rgb-file width height" per line> <out.json>
'use strict';
const fs = require('fs');
const path = require('path');
const [nodeModules, weightsDir, minConfidenceArg, listFile, outFile] = process.argv.slice(2);

async function main() {
  const faceapi = require(path.join(nodeModules, '@vladmandic/face-api/dist/face-api.node-wasm.js'));
  const wasm = require(path.join(nodeModules, '@tensorflow/tfjs-backend-wasm'));
  const tf = faceapi.tf;
  // Node's fetch cannot read local paths; the backend then reads the .wasm file itself.
  wasm.setWasmPaths(path.join(nodeModules, '@tensorflow/tfjs-backend-wasm/dist/'), false);
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(weightsDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(weightsDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(weightsDir);
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: parseFloat(minConfidenceArg) });
  const images = [];
  for (const line of fs.readFileSync(listFile, 'utf8').split('\n').filter((l) => l.trim())) {
    const [rgbFile, width, height] = line.split(' ');
    const w = parseInt(width, 10);
    const h = parseInt(height, 10);
    const pixels = new Uint8Array(fs.readFileSync(rgbFile));
    if (pixels.length !== w * h * 3) throw new Error(`${rgbFile} has ${pixels.length} bytes, expected ${w}x${h}x3`);
    const input = tf.tensor3d(Float32Array.from(pixels), [h, w, 3], 'float32');
    const result = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
    images.push({
      faces: result.map((f) => ({
        box: [f.detection.box.x, f.detection.box.y, f.detection.box.width, f.detection.box.height],
        score: f.detection.score,
        landmarks: f.landmarks.positions.flatMap((p) => [p.x, p.y]),
        aligned: (({ x, y, width, height }) => [x, y, width, height])(f.landmarks.align(null, { useDlibAlignment: true })),
        descriptor: Array.from(f.descriptor),
      })),
    });
    tf.dispose(input);
  }
  const out = { faceapi: faceapi.version, tfjs: tf.version_core, backend: tf.getBackend(), images };
  fs.writeFileSync(outFile, JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
