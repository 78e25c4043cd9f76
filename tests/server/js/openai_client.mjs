// The official OpenAI client against a running `edgeseek serve` (started by
// tests/server/serve_openai_js_test.cpp with --api-key sk-test --parallel 1 --max-queue 0
// --max-body 65536 on the tiny R1 chat model). Usage: node openai_client.mjs PORT
// Prints "ok: <check>" per check; exits non-zero at the first failure.
import OpenAI from 'openai';

const port = process.argv[2];
const baseURL = `http://127.0.0.1:${port}/v1`;
const client = new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0, timeout: 60000 });

function check(cond, what, detail) {
  if (!cond) {
    console.error(`FAIL: ${what}` + (detail === undefined ? '' : `: ${JSON.stringify(detail)}`));
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

// Random weights give varied text only when sampling is flat.
const flat = (seed) => ({ temperature: 2, top_p: 1, top_k: 1000, min_p: 0, frequency_penalty: 2, presence_penalty: 2, seed });
const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is 17 * 23?' }];

async function expectError(promise, status, what) {
  try {
    await promise;
  } catch (e) {
    check(e instanceof OpenAI.APIError && e.status === status, `${what} raises APIError ${status}`,
          { name: e?.constructor?.name, status: e?.status, message: e?.message });
    return e;
  }
  check(false, `${what} raises`);
}

async function slotsFree() {
  for (let i = 0; i < 400; ++i) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: 'Bearer sk-test' } })).text();
    if (/^edgeseek_slots_busy 0$/m.test(text)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

// Models.
const models = await client.models.list();
check(models.data.length === 1 && models.data[0].id === 'tiny-r1-q8_0', 'models.list names the model', models.data);

// Non-streamed chat with a thought, over a few seeds until one thinks in words.
let chosen = null;
for (let seed = 1; seed <= 6 && !chosen; ++seed) {
  const r = await client.chat.completions.create({ model: 'tiny-r1', messages, max_tokens: 16, reasoning_budget: 5, ...flat(seed) });
  const m = r.choices[0].message;
  check(r.object === 'chat.completion' && m.role === 'assistant' && typeof m.content === 'string', 'chat reply shape', r);
  check(r.usage.completion_tokens_details.reasoning_tokens === 5, 'reasoning_tokens in usage', r.usage);
  check(r.choices[0].finish_reason === 'length', 'finish_reason length', r.choices[0]);
  if (typeof m.reasoning_content === 'string' && m.reasoning_content.length > 0 && m.content.length > 0) chosen = { seed, m, usage: r.usage };
}
check(chosen !== null, 'a reply has reasoning_content apart from content');

// The same request streamed adds up to the same reply.
const stream = await client.chat.completions.create({
  model: 'tiny-r1', messages, max_tokens: 16, reasoning_budget: 5, stream: true, stream_options: { include_usage: true }, ...flat(chosen.seed),
});
let reasoning = '', content = '', finish = null, usage = null, chunks = 0;
for await (const chunk of stream) {
  ++chunks;
  if (chunk.usage) usage = chunk.usage;
  const c = chunk.choices[0];
  if (!c) continue;
  if (c.delta.reasoning_content) reasoning += c.delta.reasoning_content;
  if (c.delta.content) content += c.delta.content;
  if (c.finish_reason) finish = c.finish_reason;
}
check(chunks > 3, 'streamed in several chunks', chunks);
check(reasoning === chosen.m.reasoning_content, 'streamed reasoning_content equals the non-streamed one', { reasoning, expected: chosen.m.reasoning_content });
check(content === chosen.m.content, 'streamed content equals the non-streamed one', { content, expected: chosen.m.content });
check(finish === 'length' && usage && usage.completion_tokens === 16 && usage.completion_tokens_details.reasoning_tokens === 5,
      'stream_options.include_usage gives the usage', usage);

// Completions, plain and streamed.
const comp = await client.completions.create({ model: 'tiny-r1', prompt: 'Hello there', max_tokens: 6, temperature: 0 });
check(comp.object === 'text_completion' && typeof comp.choices[0].text === 'string' && comp.usage.completion_tokens === 6,
      'completions.create', comp);
let text = '';
for await (const c of await client.completions.create({ model: 'tiny-r1', prompt: 'Hello there', max_tokens: 6, temperature: 0, stream: true })) {
  text += c.choices[0]?.text ?? '';
}
check(text === comp.choices[0].text, 'streamed completion equals the plain one', { text, expected: comp.choices[0].text });

// Errors carry their status codes.
const wrongKey = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
const auth = await expectError(wrongKey.models.list(), 401, 'a wrong API key');
check(auth instanceof OpenAI.AuthenticationError, 'AuthenticationError');
const bad = await expectError(client.chat.completions.create({ model: 'm', messages, temperature: 5 }), 400, 'temperature 5');
check(bad instanceof OpenAI.BadRequestError && bad.param === 'temperature', 'BadRequestError names the field', bad.error);
await expectError(client.chat.completions.create({ model: 'm', messages: [] }), 400, 'no messages');
await expectError(client.get('/no/such/route'), 404, 'an unknown route');
await expectError(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(70000) }] }), 413,
                  'a body over --max-body');

// Queue full: one slot, no queue. A long stream holds the slot; the next request gets 429.
const controller = new AbortController();
const holder = await client.chat.completions.create(
  { model: 'm', messages, max_tokens: 3000, stream: true, ...flat(1) }, { signal: controller.signal });
const it = holder[Symbol.asyncIterator]();
await it.next();
const busy = await expectError(client.chat.completions.create({ model: 'm', messages, max_tokens: 2 }), 429, 'a full queue');
check(busy instanceof OpenAI.RateLimitError && busy.headers.get('retry-after') === '1', 'RateLimitError with Retry-After');
controller.abort();
check(await slotsFree(), 'an aborted stream frees its slot');
const after = await client.chat.completions.create({ model: 'm', messages, max_tokens: 2 });
check(after.choices[0].finish_reason === 'length', 'served again after the abort');
console.log('all checks passed');
