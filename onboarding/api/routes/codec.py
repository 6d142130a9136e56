"""/api/codec: the remote codec the Temporal web UI calls to show payloads in clear.

The UI (configured with `--ui-codec-endpoint`, or by the user in its settings)
posts the payloads it wants decoded, in protobuf JSON, from the browser. Only
admins may decode: the payloads hold personal data. Cross-origin calls are
answered for the configured Temporal UI origin only. Besides a bearer token,
an admin's page session cookie is accepted here (and nowhere else in the API):
the UI's requests carry the browser's credentials.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field
from temporalio.api.common.v1 import Payloads

from onboarding.api.deps import AdminActor, SettingsDep
from onboarding.api.errors import error_responses
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
    result = json_format.MessageToDict(Payloads(payloads=converted))
    return JSONResponse(result, headers=_cors_headers(request, settings.temporal_ui_url))
