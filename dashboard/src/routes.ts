import type { Route } from './router.tsx';
import { AdminView } from './views/admin.tsx';
import { AlarmDetailView } from './views/alarm-detail.tsx';
import { ControlRoom } from './views/control-room.tsx';
import { EnterpriseView } from './views/enterprise.tsx';
import { RegulatorView } from './views/regulator.tsx';
import { WorkshopDetail } from './views/workshop-detail.tsx';

/** Every view of the dashboard, first match wins. Access is checked in the views (by enterprise). */
export const routes: readonly Route[] = [
  { pattern: '/', title: 'app.view.controlRoom', view: ControlRoom },
  { pattern: '/workshops/:enterpriseId/:workshopId', title: 'app.view.workshop', view: WorkshopDetail },
  { pattern: '/alarms/:id', title: 'app.view.alarm', view: AlarmDetailView },
  { pattern: '/enterprise', title: 'app.view.enterprise', view: EnterpriseView },
  { pattern: '/enterprise/:enterpriseId', title: 'app.view.enterprise', view: EnterpriseView },
  { pattern: '/enterprise/:enterpriseId/:tab', title: 'app.view.enterprise', view: EnterpriseView },
  { pattern: '/regulator', title: 'app.view.regulator', view: RegulatorView },
  { pattern: '/regulator/:tab', title: 'app.view.regulator', view: RegulatorView },
  { pattern: '/admin', title: 'app.view.admin', view: AdminView },
];
