import type { Route } from './router.tsx';
import { ControlRoom } from './views/control-room.tsx';

/** Every view of the dashboard, first match wins. */
export const routes: readonly Route[] = [{ pattern: '/', title: 'app.view.controlRoom', view: ControlRoom }];
