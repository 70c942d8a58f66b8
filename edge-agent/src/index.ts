export { Agent, type AgentOptions } from './agent.ts';
export { systemClock, scaledClock, type Clock, type TimerHandle } from './clock.ts';
export {
  AgentConfigSchema,
  AgentConfigError,
  loadAgentConfig,
  parseAgentConfig,
  type AgentConfig,
  type AgentConfigInput,
  type InputConfig,
  type OutputConfig,
  type ModbusPointConfig,
} from './config.ts';
export { createAgent, createAgentWith, inputsFromConfig, type AgentDeps, type AgentHealth, type CreatedAgent, type CreateOptions, type InputFactory } from './create.ts';
export { AgentHttpServer } from './http/server.ts';
export type { InputAdapter, InputHealth, ReadingSink } from './inputs/adapter.ts';
export { DoorLedger, type DoorEvent, type DoorFault } from './inputs/door-ledger.ts';
export { doorInput } from './inputs/door.ts';
export { httpPushInput } from './inputs/http-push.ts';
export { modbusInput } from './inputs/modbus.ts';
export { simulatorInput, type SimulatorInputOptions } from './inputs/simulator.ts';
export { GatewayConfigCache } from './local-alarms/config-cache.ts';
export { LocalAlarms, type LocalAlarm } from './local-alarms/evaluator.ts';
export { OutputDriver, type OutputHealth } from './local-alarms/outputs.ts';
export { decodeRegisters, wordsOf, type RegisterType, type WordOrder } from './modbus/codec.ts';
export { ModbusDevice } from './modbus/device.ts';
export { Publisher, type PublisherOptions } from './publisher.ts';
export { SeqStore } from './seq-store.ts';
export { Spool } from './spool.ts';
export { startSimulatedSite, type SimulatedSite, type SimulatedSiteOptions } from './simulated-site.ts';
export { AGENT_NAME } from './version.ts';
