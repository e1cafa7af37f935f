// The one place the lab reaches the monitor: the public `monitor` namespace of gradscope.
import { monitor } from '../../../src/index.js';

export const gradientHealth = monitor.gradientHealth;
export type GradientHealth = monitor.GradientHealth;
