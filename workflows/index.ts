export { hostWorkflow } from './host';
