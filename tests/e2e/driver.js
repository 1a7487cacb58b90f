#!/usr/bin/env node
// A long-lived virtual-alexa conversation driven by JSON lines, so a Python test can hold a dialog.
//
// One command per stdin line, one answer per stdout line, in order:
//   {"cmd": "init", "skillURL", "model", "locale", "applicationId", "deviceId", "userId",
//    "personId", "supportedInterfaces"}                          -> {"ok": true}
//   {"cmd": "launch"}                                            -> {"ok": true, ...response envelope}
//   {"cmd": "utter", "text": "..."}                              -> idem
//   {"cmd": "intend", "intent", "slots", "confirmationStatus"}   -> idem
//   {"cmd": "end"}                                               -> idem (a SessionEndedRequest)
// Any failure answers {"ok": false, "error": "..."} and the driver keeps going.
// virtual-alexa keeps the session (attributes, dialog state) between commands of one init.
"use strict";

const readline = require("readline");
const { VirtualAlexa } = require("virtual-alexa");

// stdout carries the protocol only; anything a library prints goes to stderr.
console.log = console.error;
console.info = console.error;

let alexa = null;

function identityFilter(opts) {
  return (request) => {
    const system = request.context.System;
    if (opts.deviceId) {
      system.device.deviceId = opts.deviceId;
    }
    if (opts.supportedInterfaces) {
      system.device.supportedInterfaces = opts.supportedInterfaces;
    }
    if (opts.userId) {
      system.user.userId = opts.userId;
      if (request.session) {
        request.session.user.userId = opts.userId;
      }
    }
    if (opts.personId) {
      system.person = { personId: opts.personId };
    }
  };
}

function init(opts) {
  for (const key of ["skillURL", "model", "applicationId"]) {
    if (!opts[key]) {
      throw new Error(`init needs ${key}`);
    }
  }
  alexa = VirtualAlexa.Builder()
    .applicationID(opts.applicationId)
    .skillURL(opts.skillURL)
    .interactionModelFile(opts.model)
    .locale(opts.locale || "en-US")
    .create();
  if (opts.supportedInterfaces) {
    // Keep virtual-alexa's own device state in line, so it adds no AudioPlayer context of its own.
    const device = alexa.context().device();
    device.audioPlayerSupported("AudioPlayer" in opts.supportedInterfaces);
    device.displaySupported("Display" in opts.supportedInterfaces);
  }
  alexa.filter(identityFilter(opts));
}

function intend(command) {
  if (!command.intent) {
    throw new Error("intend needs intent");
  }
  if (!command.confirmationStatus) {
    return alexa.intend(command.intent, command.slots || {});
  }
  return alexa.request().intent(command.intent, command.confirmationStatus).slots(command.slots || {}).send();
}

async function run(command) {
  if (command.cmd === "init") {
    init(command);
    return {};
  }
  if (alexa === null) {
    throw new Error("send init first");
  }
  switch (command.cmd) {
    case "launch":
      return alexa.launch();
    case "utter":
      if (typeof command.text !== "string") {
        throw new Error("utter needs text");
      }
      return alexa.utter(command.text);
    case "intend":
      return intend(command);
    case "end":
      return alexa.endSession();
    default:
      throw new Error(`unknown cmd: ${command.cmd}`);
  }
}

function errorText(error) {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    let answer;
    try {
      const envelope = await run(JSON.parse(line));
      answer = { ok: true, ...envelope };
    } catch (error) {
      answer = { ok: false, error: errorText(error) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
}

main();
