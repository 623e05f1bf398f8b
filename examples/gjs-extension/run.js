// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Drives extension.js the way GNOME Shell would: enable(), use, disable(),
// under a GLib main loop.
//
//   GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \
//     gjs -m examples/gjs-extension/run.js [URI]
//
// URI defaults to http://127.0.0.1:3000 (node examples/server/server.js).
// It sends "chat" and awaits the ack, measures a ping, prints what
// happened and exits: 0 on success, 1 on an error or after 10 seconds.

import GLib from 'gi://GLib';
import System from 'system';

import SioChatExtension from './extension.js';

const TIMEOUT_SECONDS = 10;

const uri = ARGV[0] ?? 'http://127.0.0.1:3000';
const extension = new SioChatExtension(
    {uuid: 'sio-chat@examples.sio-glib', name: 'Socket.IO chat', uri},
    {log: print});
const loop = new GLib.MainLoop(null, false);
let status = 1;

let timeoutId = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, TIMEOUT_SECONDS, () => {
    printerr(`run.js: no answer from ${uri} within ${TIMEOUT_SECONDS} s`);
    timeoutId = 0;
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

async function main() {
    await extension.enable();
    const reply = await extension.send('hello from GJS');
    print(`ack ${JSON.stringify(reply)}`);
    const ms = await extension.ping();
    print(`ping ${ms.toFixed(1)} ms`);
    status = 0;
}

main().catch(e => {
    printerr(`run.js: ${e.message}`);
}).finally(() => {
    loop.quit();
});

loop.run();
if (timeoutId !== 0)
    GLib.source_remove(timeoutId);
extension.disable();
System.exit(status);
