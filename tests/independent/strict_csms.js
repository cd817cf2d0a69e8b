// A CSMS written with npm's ocpp-rpc in strict mode, as an independent check of
// our frames: every CALL the station sends and every answer it gives is validated
// against the OCA JSON schemas by a library that shares no code with ours.
// stdout: one JSON object per line ({listening}, {connected}, {call}, {failure}, {result}, {error});
// stdin: one JSON object per line, {id, method, params}: a CALL to the station.
'use strict';
const readline = require('readline');
const { RPCServer } = require('ocpp-rpc');

const now = () => new Date().toISOString();
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

// argv[3], when given: the only cards it accepts (comma-separated); any other is Invalid.
const KNOWN = process.argv[3] ? new Set(process.argv[3].split(',')) : null;
const verdict = (token) => (KNOWN === null || KNOWN.has(token) ? 'Accepted' : 'Invalid');

const ANSWERS = {
  'ocpp2.0.1': {
    BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
    Heartbeat: () => ({ currentTime: now() }),
    Authorize: ({ params }) => ({ idTokenInfo: { status: verdict(params.idToken.idToken) } }),
    TransactionEvent: ({ params }) => (params.idToken ? { idTokenInfo: { status: verdict(params.idToken.idToken) } }
                                                      : {}),
    SignCertificate: () => ({ status: 'Accepted' }),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
  },
  'ocpp1.6': {
    BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
    Heartbeat: () => ({ currentTime: now() }),
    Authorize: ({ params }) => ({ idTagInfo: { status: verdict(params.idTag) } }),
    StartTransaction: ({ params }) => ({ transactionId: 1, idTagInfo: { status: verdict(params.idTag) } }),
    StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
    SignCertificate: () => ({ status: 'Accepted' }),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
  },
};

async function main() {
  const server = new RPCServer({ protocols: ['ocpp2.0.1', 'ocpp1.6'], strictMode: true });
  let station = null;
  server.on('client', (client) => {
    station = client;
    say({ connected: client.identity, protocol: client.protocol });
    const answers = ANSWERS[client.protocol];
    client.on('strictValidationFailure', (event) => say({
      failure: event.messageId ?? null, method: event.method, outbound: event.outbound,
      isCall: event.isCall, error: String(event.error && (event.error.details ? JSON.stringify(event.error.details)
                                                          : event.error.message)),
    }));
    client.handle(({ method, params }) => {
      say({ call: method, params });
      return (answers[method] || (() => ({})))({ method, params });
    });
  });
  const http = await server.listen(Number(process.argv[2] || 0), '127.0.0.1');
  say({ listening: http.address().port });

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const { id, method, params } = JSON.parse(line);
    try {
      if (!station) throw new Error('no station connected');
      say({ result: id, method, response: await station.call(method, params) });
    } catch (err) {
      say({ error: id, method, message: String(err.message), details: err.details ?? null });
    }
  }
  await server.close();
}

main().catch((err) => { say({ fatal: String(err.stack || err) }); process.exit(1); });
