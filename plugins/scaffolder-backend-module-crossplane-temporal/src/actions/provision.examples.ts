import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Provision a PostgreSQL instance for a component and wait until Crossplane reports it Ready.',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          name: 'Provision the database',
          action: 'crossplane:resource:provision',
          input: {
            cluster: 'local',
            namespace: 'team-alpha',
            apiVersion: 'database.example.org/v1alpha1',
            kind: 'PostgreSQLInstance',
            name: 'orders-db',
            owner: 'group:default/team-alpha',
            component: 'component:default/checkout-service',
            spec: { parameters: { storageGB: 20, version: '16' } },
            waitForReady: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'Request it from form values and return at once with a link, without waiting for Ready.',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          name: 'Request the database',
          action: 'crossplane:resource:provision',
          input: {
            cluster: '${{ parameters.location.cluster }}',
            namespace: '${{ parameters.location.namespace }}',
            apiVersion: 'database.example.org/v1alpha1',
            kind: 'PostgreSQLInstance',
            name: '${{ parameters.name }}',
            owner: '${{ parameters.owner }}',
            component: '${{ parameters.component }}',
            spec: '${{ parameters.spec }}',
            waitForReady: false,
          },
        },
      ],
      output: {
        links: [
          {
            title: 'Open the database',
            icon: 'catalog',
            entityRef: '${{ steps.provision.output.entityRef }}',
          },
          {
            title: "The component's resources",
            url: '${{ steps.provision.output.resourcesUrl }}',
          },
        ],
      },
    }),
  },
];
