/**
 * An open-loop load generator: requests sent at a fixed rate whether or not the earlier ones have been
 * answered, so a server that is slower makes its users wait longer instead of being sent less work.
 * That is the latency a user feels at a given load; a closed loop (autocannon's default: each
 * connection sends its next request when the last is answered) saturates the server, and its latency is
 * then only connections / throughput.
 *
 * Not autocannon's `overallRate`: autocannon 8 gives each connection a budget of rate / connections
 * requests per second and sends them back to back as fast as they are answered, the budgets all renewed
 * by timers started together, so the load is a burst at the closed-loop rate at the start of every
 * second, then silence (at 1,500 req/s over 32 connections against a server of about 3,600 req/s: half a
 * second of closed-loop load, then half a second of none), and the latency is the closed loop's again. It also corrects for
 * coordinated omission with an expected interval of ceil(1 / rate) ms, 1 ms whatever the rate, which adds
 * made-up samples to every answer slower than 1 ms (ten times as many samples as answers in that test).
 *
 * Here the n-th request is due at start + n / rate. A timer sends every request that is due (a few per
 * millisecond tick at the bench's rates) over a keep-alive agent (pacedAgent) that opens up to
 * `connections` sockets as they are needed; a request that finds them all busy waits in the agent's
 * queue, and that wait is part of its latency. The caller keeps one agent for the warm-up and the
 * measured run, so the measured run does not pay for opening the sockets. Latency runs from the moment
 * the request is handed to the agent to the end of the answer, in fractional ms (performance.now());
 * how late the timer sent requests after they were due is reported apart (`sendLagP99Ms`): it is the
 * generator's delay, not the server's.
 */
import { Agent, request } from 'node:http';

export interface PacedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface PacedOptions {
  /** http://127.0.0.1:port of the server under test. */
  url: string;
  /** Requests per second offered. */
  rate: number;
  /** Seconds during which requests are sent; answers still outstanding at the end are waited for. */
  duration: number;
  /** From pacedAgent(connections): the sockets, kept open from the warm-up to the measured run. */
  agent: Agent;
  /** The agent's most sockets, to count the requests that had to wait for one. */
  connections: number;
  /** Seconds before a request without an answer is abandoned and counted as a timeout. */
  timeout: number;
  headers?: Record<string, string>;
  /** The next request to send; called once per request. */
  next: () => PacedRequest;
}
export interface PacedResult {
  offeredRate: number;
  /** Requests sent (rate x duration, unless the generator could not keep up at all). */
  sent: number;
  /** Answers (of any status) per second that arrived during the sending window. */
  achievedRate: number;
  answered: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Requests that found every socket busy and waited for one (a sign the cap was too low). */
  queued: number;
  /** Most requests outstanding at once. */
  maxInFlight: number;
  /** How late, at the 99th percentile, the timer sent a request after it was due, in ms. */
  sendLagP99Ms: number;
}

/** The value at quantile q of values sorted in ascending order (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Keep-alive sockets to the server, opened as needed, at most `connections`; destroy() it after use. */
export const pacedAgent = (connections: number) => new Agent({ keepAlive: true, maxSockets: connections });

export function paced(options: PacedOptions): Promise<PacedResult> {
  const { hostname, port } = new URL(options.url);
  const { agent } = options;
  const total = Math.floor(options.rate * options.duration);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  const statusCodes: Record<string, number> = {};
  let answered = 0;
  let answeredInWindow = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let queued = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let sent = 0;

  return new Promise((resolve) => {
    const start = performance.now();
    const windowEnd = start + options.duration * 1000;

    const finish = () => {
      const measured = latencies.slice(0, answered).sort();
      const sortedLags = lags.slice(0, sent).sort();
      let sum = 0;
      for (const v of measured) sum += v;
      resolve({
        offeredRate: options.rate,
        sent,
        achievedRate: answeredInWindow / options.duration,
        answered,
        latency: {
          p50: quantile(measured, 0.5),
          p90: quantile(measured, 0.9),
          p99: quantile(measured, 0.99),
          max: quantile(measured, 1),
          mean: answered ? sum / answered : Number.NaN,
        },
        statusCodes,
        non2xx,
        errors,
        timeouts,
        queued,
        maxInFlight,
        sendLagP99Ms: quantile(sortedLags, 0.99),
      });
    };
    const settle = () => {
      inFlight--;
      if (sent === total && inFlight === 0) finish();
    };

    const send = () => {
      const { method, path, headers, body } = options.next();
      if (inFlight >= options.connections) queued++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const begin = performance.now();
      // Each request ends once: an answer read to its end, or an error or timeout (a socket that closes
      // mid-answer can report both, or only close the answer).
      let done = false;
      let timedOut = false;
      const fail = () => {
        if (done) return;
        done = true;
        if (timedOut) timeouts++;
        else errors++;
        settle();
      };
      const req = request(
        {
          hostname,
          port,
          method,
          path,
          agent,
          headers: { ...options.headers, ...headers },
          timeout: options.timeout * 1000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (done) return;
            done = true;
            const end = performance.now();
            latencies[answered++] = end - begin;
            if (end <= windowEnd) answeredInWindow++;
            const code = String(res.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            settle();
          });
          res.on('close', fail);
        },
      );
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      });
      req.on('error', fail);
      req.end(body);
    };

    // Sends every request that is due, then sleeps until the next one is (setTimeout rounds up to
    // 1 ms, so at rates above 1,000 req/s a tick sends a few).
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        lags[sent] = now - (start + sent * interval);
        sent++;
        send();
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else if (inFlight === 0) finish();
    };
    tick();
  });
}
