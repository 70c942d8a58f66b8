export { SiteSimulator, type SimulatorOptions, type SimChange, type Violation, type ViolationKind, type ViolationOptions } from './site-sim.ts';
export { RealtimeSimulation, type ReadingListener, type RealtimeOptions } from './realtime.ts';
export { readSiteFile } from './site-file.ts';
export { createRng, hashSeed, type Rng } from './prng.ts';
export { localTime, mayOperate, type LocalTime } from './local-time.ts';
export { ModbusTcpServer, type ModbusServerOptions, type ModbusServerEvents } from './modbus/server.ts';
export { encodeRegisters, type RegisterType, type WordOrder } from './modbus/codec.ts';
export { PlcSimulation, type PlcPoint } from './modbus/plc.ts';
