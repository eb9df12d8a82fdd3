// The real Logux server in back-end mode: LOGUX_BACKEND, LOGUX_CONTROL_SECRET,
// LOGUX_HOST and LOGUX_PORT come from the environment (Server.loadOptions).
import { Server } from '@logux/server'

const server = new Server(
  Server.loadOptions(process, { host: '127.0.0.1', port: 31337, fileUrl: import.meta.url })
)
server.listen()
