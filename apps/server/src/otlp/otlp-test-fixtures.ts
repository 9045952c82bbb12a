import protobuf from 'protobufjs'

/*
 * Test helpers: the OTLP trace messages defined inline for protobufjs (the test oracle that
 * encodes requests), and realistic GenAI export requests in the OTLP JSON shape. Only tests
 * import this file.
 */

const PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1; string version = 2; repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ResourceSpans {
  Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0; SPAN_KIND_INTERNAL = 1; SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3; SPAN_KIND_PRODUCER = 4; SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1; bytes span_id = 2; string trace_state = 3;
    repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  reserved 1;
  string message = 2;
  enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; }
  StatusCode code = 3;
}
`

const root = protobuf.parse(PROTO, { keepCase: false }).root
export const ExportTraceServiceRequest = root.lookupType(
  'opentelemetry.proto.ExportTraceServiceRequest',
)
export const ExportTraceServiceResponse = root.lookupType(
  'opentelemetry.proto.ExportTraceServiceResponse',
)

/** Bytes of a hex id, for protobufjs. */
export function idBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Encodes a request given in protobufjs' object form (camelCase, bytes as Uint8Array). */
export function encodeRequest(request: Record<string, unknown>): Uint8Array {
  const message = ExportTraceServiceRequest.fromObject(request)
  return ExportTraceServiceRequest.encode(message).finish()
}

export type Attr = { key: string; value: Record<string, unknown> }
export const str = (key: string, value: string): Attr => ({ key, value: { stringValue: value } })
export const int = (key: string, value: number | string): Attr => ({
  key,
  value: { intValue: value },
})

export const TRACE_ID = '5b8efff798038103d269b633813fc60c'
export const SPAN_ID = 'eee19b7ec3c1b174'
export const PARENT_ID = 'eee19b7ec3c1b173'
/** 2026-01-10T12:00:00.123Z in nanoseconds, plus 456 ns that do not survive to ms. */
export const START_NANOS = '1768046400123000456'
/** 1.5 s after the start. */
export const END_NANOS = '1768046401623000456'

/**
 * A realistic export in protobufjs object form: one OpenAI chat span in the attribute form,
 * one Anthropic span in the event form, one HTTP span without gen_ai attributes.
 */
export function realisticRequest(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [str('service.name', 'support-bot'), str('telemetry.sdk.language', 'python')],
        },
        scopeSpans: [
          {
            scope: { name: 'opentelemetry.instrumentation.openai', version: '0.40.0' },
            spans: [
              {
                traceId: idBytes(TRACE_ID),
                spanId: idBytes(SPAN_ID),
                parentSpanId: idBytes(PARENT_ID),
                name: 'chat gpt-4o',
                kind: 3,
                startTimeUnixNano: START_NANOS,
                endTimeUnixNano: END_NANOS,
                attributes: [
                  str('gen_ai.operation.name', 'chat'),
                  str('gen_ai.system', 'openai'),
                  str('gen_ai.request.model', 'gpt-4o'),
                  str('gen_ai.response.model', 'gpt-4o-2024-08-06'),
                  str('gen_ai.response.id', 'chatcmpl-AbC123'),
                  int('gen_ai.usage.input_tokens', 25),
                  int('gen_ai.usage.output_tokens', 9),
                  { key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } },
                  {
                    key: 'gen_ai.response.finish_reasons',
                    value: { arrayValue: { values: [{ stringValue: 'stop' }] } },
                  },
                  str('gen_ai.prompt.0.role', 'system'),
                  str('gen_ai.prompt.0.content', 'You are a helpful assistant.'),
                  str('gen_ai.prompt.1.role', 'user'),
                  str('gen_ai.prompt.1.content', 'What is the capital of France?'),
                  str('gen_ai.completion.0.role', 'assistant'),
                  str('gen_ai.completion.0.content', 'Paris.'),
                ],
                status: { code: 1 },
              },
              {
                traceId: idBytes(TRACE_ID),
                spanId: idBytes('00000000000000aa'),
                name: 'chat claude-sonnet-4',
                startTimeUnixNano: START_NANOS,
                endTimeUnixNano: START_NANOS,
                attributes: [
                  str('gen_ai.system', 'anthropic'),
                  str('gen_ai.response.model', 'claude-sonnet-4-20250514'),
                  int('gen_ai.usage.prompt_tokens', '7'),
                  int('gen_ai.usage.completion_tokens', 3),
                ],
                events: [
                  {
                    timeUnixNano: START_NANOS,
                    name: 'gen_ai.user.message',
                    attributes: [str('content', 'Say hi in French.')],
                  },
                  {
                    timeUnixNano: END_NANOS,
                    name: 'gen_ai.choice',
                    attributes: [
                      {
                        key: 'body',
                        value: {
                          kvlistValue: {
                            values: [
                              { key: 'index', value: { intValue: 0 } },
                              { key: 'finish_reason', value: { stringValue: 'end_turn' } },
                              {
                                key: 'message',
                                value: {
                                  kvlistValue: {
                                    values: [{ key: 'content', value: { stringValue: 'Salut !' } }],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                ],
                status: { code: 2, message: 'overloaded_error' },
              },
              {
                traceId: idBytes(TRACE_ID),
                spanId: idBytes('00000000000000bb'),
                name: 'GET /health',
                startTimeUnixNano: START_NANOS,
                endTimeUnixNano: END_NANOS,
                attributes: [str('http.method', 'GET'), int('http.status_code', 200)],
              },
            ],
          },
        ],
      },
    ],
  }
}

/** The same request in the OTLP JSON encoding (hex ids, int64 as strings). */
export function realisticJson(): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
    if (Array.isArray(value)) return value.map(convert)
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]))
    }
    return value
  }
  return convert(realisticRequest()) as Record<string, unknown>
}
