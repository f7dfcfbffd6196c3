// node-forge's own files, loaded one by one instead of through its index (src/oauth/certificate-pkcs12.ts).
declare module 'node-forge/lib/forge.js' {
  import forge from 'node-forge';
  export default forge;
}
declare module 'node-forge/lib/pkcs12.js';
