// The official OpenAI Node SDK calling tools on Patchwork, unchanged, with baseURL pointed at the server under test:
// a named-function call (whole and streamed) returns arguments that parse and validate against the function's
// parameters, and a conversation that carries the tool's result continues. Run by OpenAiSdkToolsTest; prints one JSON
// line with what it saw, exits non-zero on failure.
import assert from 'node:assert/strict';
import OpenAI, { BadRequestError } from 'openai';

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });
const model = process.env.PATCHWORK_MODEL;

const parameters = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 1, maxLength: 10 },
    unit: { enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer' },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters } }];
const tool_choice = { type: 'function', function: { name: 'get_weather' } };
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

// the JSON-schema subset the parameters use: types, required, enum, lengths, no other properties
function validate(schema, value, at = '$') {
  if (schema.enum) assert.ok(schema.enum.includes(value), `${at}: ${JSON.stringify(value)} not in enum`);
  if (schema.type === 'string') {
    assert.equal(typeof value, 'string', `${at} is not a string`);
    const length = [...value].length;
    assert.ok(length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? Infinity), `${at}: length ${length}`);
  }
  if (schema.type === 'integer') assert.ok(Number.isInteger(value), `${at} is not an integer`);
  if (schema.type === 'object') {
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${at} is not an object`);
    for (const key of schema.required ?? []) assert.ok(key in value, `${at}.${key} is missing`);
    for (const [key, v] of Object.entries(value)) {
      assert.ok(key in schema.properties || schema.additionalProperties !== false, `${at}.${key} is not allowed`);
      if (schema.properties[key]) validate(schema.properties[key], v, `${at}.${key}`);
    }
  }
}

// a named function, not streamed
const whole = await client.chat.completions.create({ model, messages, tools, tool_choice, max_tokens: 160, seed: 5 });
const choice = whole.choices[0];
assert.equal(choice.finish_reason, 'tool_calls');
assert.equal(choice.message.role, 'assistant');
assert.equal(choice.message.tool_calls.length, 1);
const call = choice.message.tool_calls[0];
assert.match(call.id, /^call_/);
assert.equal(call.type, 'function');
assert.equal(call.function.name, 'get_weather');
const args = JSON.parse(call.function.arguments);
validate(parameters, args);

// the same, streamed: the SDK's stream helper assembles the tool call deltas
const stream = client.chat.completions.stream({ model, messages, tools, tool_choice, max_tokens: 160, seed: 5 });
const streamed = await stream.finalChatCompletion();
const streamedCall = streamed.choices[0].message.tool_calls[0];
assert.equal(streamed.choices[0].finish_reason, 'tool_calls');
assert.equal(streamedCall.function.name, 'get_weather');
validate(parameters, JSON.parse(streamedCall.function.arguments));
assert.equal(streamedCall.function.arguments, call.function.arguments); // same seed, same call

// the raw chunks too: one delta carries the call, with its index
let deltas = 0;
for await (const chunk of await client.chat.completions.create({
  model, messages, tools, tool_choice, max_tokens: 160, seed: 6, stream: true })) {
  for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
    assert.equal(d.index, 0);
    validate(parameters, JSON.parse(d.function.arguments));
    deltas++;
  }
}
assert.equal(deltas, 1);

// the conversation continues with the tool's result
const next = await client.chat.completions.create({
  model, tools, max_tokens: 8, seed: 5,
  messages: [...messages, choice.message, { role: 'tool', tool_call_id: call.id, content: '22 degrees and sunny' }],
});
assert.ok(['stop', 'length', 'tool_calls'].includes(next.choices[0].finish_reason), next.choices[0].finish_reason);
assert.ok(next.usage.prompt_tokens > whole.usage.prompt_tokens, 'the tool result is part of the prompt');

// an unknown field is a BadRequestError naming it
await assert.rejects(
  client.chat.completions.create({ model, messages, max_tokens: 2, not_a_field: 1 }),
  (e) => e instanceof BadRequestError && e.param === 'not_a_field');

console.log(JSON.stringify({ ok: true, call: call.function.name, arguments: args, next: next.choices[0].finish_reason }));
