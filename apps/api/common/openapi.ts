import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBody,
  type ApiBodyOptions,
  ApiExtension,
  ApiHeader,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
} from '@nestjs/swagger';
import { completeDocument, EXTRA_ERRORS, NO_BODY, type OpenApiDocument } from './openapi-document';
import { type JsonSchema } from './openapi-shapes';

type SchemaObject = Extract<ApiBodyOptions, { schema: unknown }>['schema'];

/**
 * Documents a request body by the very JSON schema that validates it, so the OpenAPI document
 * cannot drift from what the API accepts (OpenAPI 3.1 takes JSON schemas as they are).
 */
export const JsonSchemaBody = (schema: object) => ApiBody({ schema: schema as SchemaObject });

/** Documents a success status and the shape of its JSON body; without a schema, one with no body. */
export const Returns = (status: number, schema?: JsonSchema) =>
  ApiResponse(
    schema ? { status, description: '', schema: schema as SchemaObject } : { status, description: NO_BODY },
  );

/** A success status whose body is not JSON (metrics text, image data). */
export const ReturnsMedia = (status: number, mediaType: string) =>
  applyDecorators(
    ApiProduces(mediaType),
    ApiResponse({ status, description: mediaType, content: { [mediaType]: { schema: {} } } }),
  );

/**
 * Documents query parameters by the schemas their parsing code reads them with; none is
 * required, as no OpenStack list needs any.
 */
export const QueryParams = (params: Record<string, object>) =>
  applyDecorators(
    ...Object.entries(params).map(([name, schema]) =>
      ApiQuery({ name, required: false, schema: schema as SchemaObject }),
    ),
  );

/** Keystone's X-Subject-Token request header: the token a validation, check or revocation is about. */
export const SubjectToken = () =>
  ApiHeader({ name: 'X-Subject-Token', required: true, schema: { type: 'string', minLength: 1 } });

/** Error statuses a route gives beyond those every route of its kind gives (openapi-document.ts). */
export const ErrorStatuses = (...statuses: number[]) => ApiExtension(EXTRA_ERRORS, statuses);

/** The OpenAPI document of the controllers, completed by openapi-document.ts. */
export function buildOpenApiDocument(app: INestApplication, publicUrl: string): OpenApiDocument {
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
  return completeDocument(SwaggerModule.createDocument(app, config) as unknown as OpenApiDocument);
}

/** /openapi.json, generated from the controllers, and Swagger UI at /docs (served locally). */
export function mountOpenApi(app: INestApplication, publicUrl: string): void {
  const document = buildOpenApiDocument(app, publicUrl) as unknown as ReturnType<
    typeof SwaggerModule.createDocument
  >;
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
