// A webhook receiver for benchmarks, in its own process: answers every POST 204 and tells its parent its port.
import { createServer } from "node:http";

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(204).end());
});
server.listen(0, "127.0.0.1", () => process.send?.(server.address().port));
