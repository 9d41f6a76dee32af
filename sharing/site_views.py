"""Applicant-site pages of the sharing app (授权开放 applications) — being built."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def open_applications(request: HttpRequest) -> HttpResponse:
    return render(request, "site/policy_list.html", {"families": []})


def open_application_create(request: HttpRequest) -> HttpResponse:
    return render(request, "site/policy_list.html", {"families": []})
