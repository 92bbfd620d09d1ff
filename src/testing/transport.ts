import net from 'node:net';

export interface Exchange {
  request: string;
  status?: number;
  answer: string;
}

/** One HTTP exchange; the answer body as text. */
export async function httpExchange(method: 'GET' | 'POST', url: string, body?: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Exchange> {
  const res = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(timeoutMs) });
  return { request: `${method} ${url}${body ? `\n${body}` : ''}`, status: res.status, answer: await res.text() };
}

/**
 * One socket exchange in the bridge's default (`auto`) framing: JSON + newline out, one JSON reply (ended by
 * a newline or the server closing) back.
 */
export function socketExchange(host: string, port: number, message: Record<string, unknown>, timeoutMs = 10_000): Promise<Exchange> {
  const text = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let buf = '';
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      if (err) reject(err);
      else resolve({ request: `TCP ${host}:${port}\n${text}`, answer: buf.trim() });
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(text + '\n'));
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (e) => finish(e));
  });
}
