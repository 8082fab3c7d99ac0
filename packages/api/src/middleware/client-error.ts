/**
 * Requests Node's HTTP parser refuses before Express sees them (headers or a
 * request line over --max-http-header-size, malformed request lines) get
 * Node's bare `431`/`400` with no body. This answers them like every other
 * error: RFC 7807 problem+json. Install once on the server:
 * `answerClientErrorsWithProblems(server)`.
 */
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemFor } from './problem.js';

const DETAILS: Record<number, string> = {
  400: 'The request could not be parsed as HTTP',
  408: 'The request took too long to arrive',
  431: 'The request line or headers are too large',
};

export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(problemFor(status, DETAILS[status]));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
