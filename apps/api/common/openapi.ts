import { type INestApplication } from '@nestjs/common';
import { ApiBody, type ApiBodyOptions, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

type SchemaObject = Extract<ApiBodyOptions, { schema: unknown }>['schema'];

/**
 * Documents a request body by the very JSON schema that validates it, so the OpenAPI document
 * cannot drift from what the API accepts (OpenAPI 3.1 takes JSON schemas as they are).
 */
export const JsonSchemaBody = (schema: object) => ApiBody({ schema: schema as SchemaObject });

/** /openapi.json, generated from the controllers, and Swagger UI at /docs (served locally). */
export function mountOpenApi(app: INestApplication, publicUrl: string): void {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Novaflow')
    .setDescription(
      'OpenStack-compatible compute, identity, image and network APIs. Authenticate with POST ' +
        '/identity/v3/auth/tokens and send the X-Subject-Token you get back as X-Auth-Token.',
    )
    .setVersion('2.93')
    .addServer(publicUrl)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'keystone')
    .addSecurityRequirements('keystone')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
