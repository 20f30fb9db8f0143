// A lean node:http → web-standard Request/Response bridge for fetch-shaped servers (tmcp).
import { createServer } from 'node:http';
import { Readable } from 'node:stream';

export function serveFetch(handle, port) {
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(key, value);
    const init = { method: req.method, headers };
    if (chunks.length > 0) init.body = Buffer.concat(chunks);
    const response =
      (await handle(new Request(`http://${req.headers.host}${req.url}`, init))) ??
      new Response(null, { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    Readable.fromWeb(response.body).pipe(res);
  });
  http.listen(port, '127.0.0.1', () => console.log(`READY ${http.address().port}`));
  return http;
}
