import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: "Grow a PostgreSQL instance's storage.",
    example: yaml.stringify({
      steps: [
        {
          id: 'update',
          name: 'Resize the database',
          action: 'crossplane:resource:update',
          input: {
            cluster: 'local',
            namespace: 'team-alpha',
            apiVersion: 'database.example.org/v1alpha1',
            kind: 'PostgreSQLInstance',
            name: 'orders-db',
            spec: { parameters: { storageGB: 50, version: '16' } },
          },
        },
      ],
    }),
  },
];
