// The Logux server in back-end mode. Every option comes from the environment
// (Server.loadOptions): LOGUX_BACKEND (the service's /logux/ URL),
// LOGUX_CONTROL_SECRET (the service's), LOGUX_HOST, LOGUX_PORT and
// LOGUX_CONTROL_MASK. It refuses LOGUX_* variables it does not know.
import { Server } from '@logux/server'

const server = new Server(
  Server.loadOptions(process, { host: '127.0.0.1', port: 31337, fileUrl: import.meta.url })
)
server.listen()
