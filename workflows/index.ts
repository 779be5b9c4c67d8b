export { bootWorkflow } from './boot';
export { deleteWorkflow } from './delete';
export { hostWorkflow } from './host';
