import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Delete a PostgreSQL instance and everything composed from it.',
    example: yaml.stringify({
      steps: [
        {
          id: 'deprovision',
          name: 'Delete the database',
          action: 'crossplane:resource:deprovision',
          input: {
            cluster: 'local',
            namespace: 'team-alpha',
            apiVersion: 'database.example.org/v1alpha1',
            kind: 'PostgreSQLInstance',
            name: 'orders-db',
          },
        },
      ],
    }),
  },
];
