// A real @logux/client session against the Logux server, printing one JSON line
// per step for the template's end-to-end test to check.
// Usage: node client.mjs <ws url> <config JSON: {a, b, orderId}> ; a/b = {userId, token}
import WebSocket from 'ws'
import { Client } from '@logux/client'

globalThis.WebSocket ??= WebSocket
const [server, configText] = process.argv.slice(2)
const config = JSON.parse(configText)
const say = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }))
setTimeout(() => { say('timeout'); process.exit(2) }, 60000).unref()

function connect (user) {
  const client = new Client({
    server, subprotocol: '1.0.0', userId: user.userId, token: user.token,
    allowDangerousProtocol: true
  })
  client.received = []
  client.on('add', action => { client.received.push(action) })
  return client
}

function waitForAction (client, type) {
  return new Promise((resolve, reject) => {
    const found = client.received.find(action => action.type === type)
    if (found) return resolve(found)
    const stop = setTimeout(() => reject(new Error(`no ${type} action`)), 20000)
    const unbind = client.on('add', action => {
      if (action.type === type) { clearTimeout(stop); unbind(); resolve(action) }
    })
  })
}

// A bad token: the server answers wrong-credentials and closes.
const intruder = connect({ userId: config.a.userId, token: 'not-a-valid-token' })
const refused = new Promise(resolve => {
  intruder.node.catch(error => resolve(error.type))
})
intruder.start()
say('bad-token', { error: await refused })
intruder.destroy()

const a = connect(config.a)
const b = connect(config.b)
a.start()
b.start()
await Promise.all([a.waitFor('synchronized'), b.waitFor('synchronized')])
say('authenticated')

const channel = `orders/${config.orderId}`
await b.sync({ type: 'logux/subscribe', channel })
await a.sync({ type: 'logux/subscribe', channel })
say('loaded', { action: await waitForAction(a, 'orders/state') })

await a.sync({ type: 'orders/status', id: config.orderId, status: 'paid' })
say('approved')
say('resent', { action: await waitForAction(b, 'orders/status') })

try {
  await a.sync({ type: 'orders/status', id: 999999, status: 'paid' })
  say('forbidden', { reason: null })
} catch (error) {
  say('forbidden', { reason: error.action && error.action.reason })
}

say('waiting-for-add')
say('received-add', { action: await waitForAction(a, 'orders/note') })
a.destroy()
b.destroy()
process.exit(0)
