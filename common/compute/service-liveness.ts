/** Nova's servicegroup rule: a service is up while its last report is younger than service_down_time. */
export function isServiceUp(
  service: { forcedDown: boolean; lastSeenUp: Date | null },
  serviceDownTime: number,
  now = Date.now(),
): boolean {
  return (
    !service.forcedDown &&
    service.lastSeenUp !== null &&
    now - service.lastSeenUp.getTime() < serviceDownTime * 1000
  );
}
