// node server.js PORT: node's own http module listening on PORT with no
// host (node binds "::", dual stack), answering "hello from node", until
// SIGTERM (then it closes and exits 0). If listening fails, the error goes to
// stderr and the exit status is 3.
'use strict';
const http = require('http');
const port = Number(process.argv[2]);
const server = http.createServer((req, res) => res.end('hello from node\n'));
server.on('error', (err) => {
  console.error('server.js: ' + err.message);
  process.exit(3);
});
server.listen(port, () => console.log('listening on', server.address()));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
