"""/api/codec: the remote codec the Temporal web UI calls to show payloads in clear.

The UI (configured with `--ui-codec-endpoint`, or by the user in its settings)
posts the payloads it wants decoded, in protobuf JSON, from the browser. Only
admins may decode: the payloads hold personal data. Cross-origin calls are
answered for the configured Temporal UI origin only. Besides a bearer token,
an admin's page session cookie is accepted here (and nowhere else in the API):
the UI's requests carry the browser's credentials.

`onboarding up` also opens `/api/codec/ui/<secret>/{action}`, for the dev
server's own UI, whose `--ui-codec-endpoint` names that path: the secret is
random per start (`app.state.ui_codec_secret`, never written to disk) and
known only to the dev server, which hands it to the UI it serves on the
loopback interface; with it the path takes no token, so the UI decodes out of
the box. Without a secret (`onboarding api`, production) the path does not
exist (404), and the token- or session-guarded `/api/codec/{action}` is the
only codec.
"""

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field
from temporalio.api.common.v1 import Payloads

from onboarding.api.deps import AdminActor, SettingsDep
from onboarding.api.errors import NotFound, error_responses
from onboarding.domain.errors import RequestRejected
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring

router = APIRouter(prefix="/codec", tags=["codec"], responses=error_responses(401, 403, 422))

ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"


def get_codec(request: Request, settings: SettingsDep) -> EncryptionCodec:
    """The app's codec, made from the settings' key ring on first use."""
    codec: EncryptionCodec | None = getattr(request.app.state, "codec", None)
    if codec is None:
        codec = EncryptionCodec(configured_key_ring(settings))
        request.app.state.codec = codec
    return codec


CodecDep = Annotated[EncryptionCodec, Depends(get_codec)]

# Base64 as protobuf JSON reads it (either alphabet, padding optional): whole
# groups of four, then an optional tail of two or three characters.
_B64 = "[A-Za-z0-9+/_-]"
Base64 = Annotated[str, Field(pattern=rf"^(?:{_B64}{{4}})*(?:{_B64}{{2}}(?:==)?|{_B64}{{3}}=?)?$")]


class PayloadJson(BaseModel):
    """One Temporal payload in protobuf JSON: metadata and data, base64."""

    model_config = ConfigDict(extra="forbid")

    metadata: dict[str, Base64] = Field(default_factory=dict)
    data: Base64 = ""


class PayloadsJson(BaseModel):
    """`temporal.api.common.v1.Payloads` in protobuf JSON."""

    model_config = ConfigDict(extra="forbid")

    payloads: list[PayloadJson] = Field(default_factory=list)


def _cors_headers(request: Request, ui_url: str | None) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin is None or ui_url is None or origin.rstrip("/") != ui_url.rstrip("/"):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Vary": "Origin",
    }


@router.options("/{action}", include_in_schema=False)
async def preflight(action: str, request: Request, settings: SettingsDep) -> Response:
    """CORS preflight of the Temporal UI's origin."""
    return Response(status_code=204, headers=_cors_headers(request, settings.temporal_ui_url))


async def _transcode(
    action: Literal["encode", "decode"], body: PayloadsJson, codec: EncryptionCodec
) -> dict[str, object]:
    try:
        payloads = json_format.ParseDict(body.model_dump(), Payloads())
    except json_format.ParseError as err:
        raise RequestRejected("payloads", f"not a protobuf JSON Payloads message: {err}") from None
    try:
        if action == "decode":
            converted = await codec.decode(payloads.payloads)
        else:
            converted = await codec.encode(payloads.payloads)
    except ValueError as err:
        raise RequestRejected("payloads", str(err)) from None
    return json_format.MessageToDict(Payloads(payloads=converted))


def _check_ui_secret(request: Request, secret: str) -> None:
    """404 unless `secret` is this start's secret of the dev server's UI (constant time)."""
    expected: str | None = getattr(request.app.state, "ui_codec_secret", None)
    if expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise NotFound("no such codec endpoint")


@router.options("/ui/{secret}/{action}", include_in_schema=False)
async def ui_preflight(
    secret: str, action: str, request: Request, settings: SettingsDep
) -> Response:
    """CORS preflight of the dev server's UI, on its secret path."""
    _check_ui_secret(request, secret)
    return Response(status_code=204, headers=_cors_headers(request, settings.temporal_ui_url))


@router.post("/ui/{secret}/{action}", include_in_schema=False)
async def ui_transcode(
    secret: str,
    action: Literal["encode", "decode"],
    request: Request,
    settings: SettingsDep,
    codec: CodecDep,
    body: PayloadsJson,
) -> JSONResponse:
    """The codec for the dev server's own UI: the per-start secret path instead of a token."""
    _check_ui_secret(request, secret)
    result = await _transcode(action, body, codec)
    return JSONResponse(result, headers=_cors_headers(request, settings.temporal_ui_url))


@router.post("/{action}")
async def transcode(
    action: Literal["encode", "decode"],
    request: Request,
    _: AdminActor,
    settings: SettingsDep,
    codec: CodecDep,
    body: Annotated[PayloadsJson, Body(examples=[{"payloads": []}])],
) -> JSONResponse:
    """Encode or decode `{"payloads": [...]}` (protobuf JSON, data in base64). Admins only."""
    result = await _transcode(action, body, codec)
    return JSONResponse(result, headers=_cors_headers(request, settings.temporal_ui_url))
